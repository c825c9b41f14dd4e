// Route propagation in file mode: probe timings at each size of existing route table, and routechange under load.
import { load } from '../lib/machine.ts';
import { makeTempDir, removeTempDir, rssMiB } from '../lib/proc.ts';
import { table, type Section } from '../lib/report.ts';
import { fmt, median, percentile } from '../lib/stats.ts';
import { closeUpstreams, startNamedUpstreams } from '../lib/upstreams.ts';
import { SETTLE_MS, startWatchedPortico } from './portico.ts';
import { churn, type ChurnResult } from './churn.ts';
import { probe } from './probe.ts';
import { CONCURRENCY, describeStates, routechange, type RoutechangeResult } from './routechange.ts';

export type PropagationOptions = {
  existing: readonly number[]; probes: number; routechanges: number;
  churn: { cycles: number; deadlineMs: number };
  log: (m: string) => void;
};

export async function runPropagation(o: PropagationOptions): Promise<Section> {
  const ups = await startNamedUpstreams(['a', 'b', 'c']);
  const rows: (string | number)[][] = [];
  let rc: RoutechangeResult | null = null;
  let rcAt = 0;
  let ch: ChurnResult | null = null;
  let command = '';
  try {
    for (const existing of o.existing) {
      const dir = makeTempDir('portico-bench-prop-');
      o.log(`propagation: starting portico with ${existing} routes`);
      const p = await startWatchedPortico(dir, ups, existing);
      command = p.command.replace(p.watched, '<dir>');
      try {
        const l = load();
        const r = await probe(p, o.probes, 'a');
        const t = r.timesMs;
        rows.push([existing, t.length, fmt(percentile(t, 50), 1), fmt(percentile(t, 99), 1), fmt(Math.min(...t), 1), fmt(Math.max(...t), 1),
          r.timeouts, r.rebuilds, fmt(r.translateMs, 1), fmt(r.applyMs, 1), fmt(rssMiB(p.proc.pid)), l]);
        o.log(`propagation: ${existing} routes: p50 ${fmt(percentile(t, 50), 1)} ms, p99 ${fmt(percentile(t, 99), 1)} ms, ${r.timeouts} timeouts, load ${l}`);
        if (!rc) {
          o.log(`propagation: routechange (${o.routechanges} changes under load) at ${existing} routes`);
          rc = await routechange(p, o.routechanges);
          rcAt = existing;
          o.log(`propagation: routechange: ${rc.requests} requests, ${rc.non200} non-200, ${rc.failures} failures`);
          o.log(`propagation: churn (${o.churn.cycles} create/delete cycles, at most ${o.churn.deadlineMs / 1000} s) at ${existing} routes`);
          ch = await churn(p, o.churn.cycles, o.churn.deadlineMs, 'a');
          o.log(`propagation: churn: heap ${fmt(ch.heapStartMiB, 1)} → ${fmt(ch.heapEndMiB, 1)} MiB, RSS ${fmt(ch.rssStartMiB)} → ${fmt(ch.rssEndMiB)} MiB`);
        }
      } finally {
        await p.proc.stop();
        removeTempDir(dir);
      }
    }
  } finally {
    await closeUpstreams(ups);
  }
  return { part: 'propagation', markdown: render(o, rows, rc!, ch!, rcAt, command) };
}

function render(o: PropagationOptions, rows: (string | number)[][], rc: RoutechangeResult, ch: ChurnResult, rcAt: number, command: string): string {
  const statuses = Object.entries(rc.statuses).map(([k, v]) => `${k}: ${v}`).join(', ');
  return `## Route propagation (file mode)

**probe**: a running Portico watches a folder holding a Gateway, three Services and \`existing\` HTTPRoutes (one file);
once they all answer and after ${SETTLE_MS / 1000} s of quiet,
${o.probes} new HTTPRoutes are added one at a time, each as a new file moved into the folder (write then rename, so it
appears whole). Each is timed from the rename to the first 200 on its path, polled by keep-alive GETs 1 ms apart
(deadline 10 s per route), with 50 ms of quiet between routes. Kubernetes mode has its own section below. "rebuilds",
"translate" and "apply" come from Portico's own metrics over the probes (\`portico_config_version\`, the means of
\`portico_translate_duration_seconds\` and \`portico_apply_duration_seconds\`): what is left of a probe's time went to
the file watch, re-scan, parsing, the store and the debounce.

${table(['existing routes', 'routes timed', 'p50 ms', 'p99 ms', 'min ms', 'max ms', 'timeouts', 'rebuilds', 'translate ms (mean)', 'apply ms (mean)', 'RSS MiB after', 'load avg at start'], rows)}

**routechange** (at ${rcAt} existing routes): ${CONCURRENCY} concurrent keep-alive clients send GETs to one route while its
backends and weights change ${rc.changes} times (cycling through ${describeStates()}); each change brings in a backend
the previous state lacked, and the next change is written 100 ms after the first response from that backend.

| requests | non-200 | failed (no answer) | statuses | changes seen live | change → first response from new backend, p50 / max ms |
| --- | --- | --- | --- | --- | --- |
| ${rc.requests} | **${rc.non200}** | ${rc.failures} | ${statuses} | ${rc.applyMs.length}/${rc.changes}${rc.missed.length ? ` (not seen within 5 s: ${rc.missed.join(', ')})` : ''} | ${fmt(median(rc.applyMs), 1)} / ${fmt(Math.max(...rc.applyMs), 1)} |

**churn** (control-plane memory, at ${rcAt} existing routes): an HTTPRoute file is created, then deleted, ${ch.cycles}
times in ${fmt(ch.seconds)} s, each step waiting until the change is live (200, then 404; ${ch.stuck} steps were not live
within 10 s). Heap and RSS are read through the inspector (\`--inspect\` on loopback) right after a forced full GC,
after 10 warm-up cycles and again after the loop; the heap should come back to its level after warm-up.

| | heap used MiB | RSS MiB |
| --- | --- | --- |
| after warm-up | ${fmt(ch.heapStartMiB, 1)} | ${fmt(ch.rssStartMiB)} |
| after ${ch.cycles} more cycles | ${fmt(ch.heapEndMiB, 1)} | ${fmt(ch.rssEndMiB)} |

Command: \`${command}\` (the propagation runs add \`--inspect=127.0.0.1:<port>\`); the route files are generated by \`bench/lib/manifests.ts\`.
`;
}
