// Route propagation in Kubernetes mode: the probe test against the real API server of the test cluster
// (test/cluster), with `portico controller --infrastructure host` watching it. Everything that talks to the cluster
// runs inside its network namespace (kube-probe.ts); this side brings the cluster up and renders the table.
import { startCluster } from '../../test/cluster/cluster.ts';
import { load } from '../lib/machine.ts';
import { table, type Section } from '../lib/report.ts';
import { fmt, percentile } from '../lib/stats.ts';

export type KubernetesPropagationOptions = { existing: readonly number[]; probes: number; log: (m: string) => void };

type Row = { existing: number; timesMs: number[]; postMs: number[]; timeouts: number; rssMiB: number; rebuilds: number; translateMs: number; applyMs: number };

/** The cluster gets its own name, so the benchmark never disturbs a test or conformance cluster. */
const CLUSTER = process.env.PORTICO_BENCH_CLUSTER ?? 'portico-bench';

export async function runKubernetesPropagation(o: KubernetesPropagationOptions): Promise<Section> {
  o.log(`propagation (kubernetes): bringing up cluster ${CLUSTER} (cold: builds Kubernetes from Go modules, ~10 minutes once)`);
  const cluster = await startCluster({ name: CLUSTER });
  const logFile = `/tmp/portico-bench-${CLUSTER}-controller.log`;
  const started = load();
  let rows: Row[];
  try {
    const script = new URL('./kube-probe.ts', import.meta.url).pathname;
    const child = cluster.spawnIn(process.execPath, [script, '--kubeconfig', cluster.kubeconfig, '--existing', o.existing.join(','),
      '--probes', String(o.probes), '--log', logFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (c: Buffer) => { out += c.toString(); });
    child.stderr!.on('data', (c: Buffer) => { for (const line of c.toString().trimEnd().split('\n')) o.log(`propagation (kubernetes): ${line}`); });
    const code = await new Promise<number>((r) => child.once('exit', (c) => r(c ?? 1)));
    if (code !== 0) throw new Error(`bench/propagation/kube-probe.ts exited ${code}; the controller's log is ${logFile}`);
    rows = (JSON.parse(out.trim().split('\n').pop()!) as { rows: Row[] }).rows;
  } finally {
    await cluster.stop();
  }
  return { part: 'propagation-kubernetes', markdown: render(o, rows, started) };
}

function render(o: KubernetesPropagationOptions, rows: Row[], loadAtStart: string): string {
  const body = rows.map((r) => [r.existing, r.timesMs.length, fmt(percentile(r.timesMs, 50), 1), fmt(percentile(r.timesMs, 99), 1),
    fmt(Math.min(...r.timesMs), 1), fmt(Math.max(...r.timesMs), 1), fmt(percentile(r.postMs, 50), 1), r.rebuilds,
    fmt(r.translateMs, 1), fmt(r.applyMs, 1), r.timeouts, fmt(r.rssMiB)]);
  return `## Route propagation (Kubernetes mode)

**probe** through a real API server (the test cluster of \`test/cluster\`: etcd, kube-apiserver and kwok in a network
namespace; Portico's \`controller --infrastructure host\` watching it, one Gateway on a pool address, one Service whose
EndpointSlice points at an upstream in the namespace). \`existing\` HTTPRoutes are created through the API first; once
the last answers and after 2 s of quiet, ${o.probes} new HTTPRoutes are created one at a time, each timed from the start of
its POST to the first 200 through the Gateway (keep-alive GETs 1 ms apart, deadline 15 s), with 50 ms between
routes. Includes the API server's write, the watch event, the controller's debounce, translation and apply; status
writes happen after the route is live and are not timed. *POST answered* is when the API server answered the create
(the route may be live before that: the watch event can overtake the response). Load average at the start: ${loadAtStart}.

${table(['existing routes', 'routes timed', 'p50 ms', 'p99 ms', 'min ms', 'max ms', 'POST answered, p50 ms', 'rebuilds', 'translate ms (mean)', 'apply ms (mean)', 'timeouts', 'controller RSS MiB after'], body)}

Command: \`node bench/run.ts propagation-kubernetes\` (the cluster is \`${CLUSTER}\`; set PORTICO_BENCH_CLUSTER to change it).
`;
}

// Run on its own: node bench/propagation/kubernetes.ts [existing,...] [probes]
if (import.meta.url === `file://${process.argv[1]}`) {
  const existing = (process.argv[2] ?? '100,3000').split(',').map(Number);
  runKubernetesPropagation({ existing, probes: Number(process.argv[3] ?? 20), log: (m) => console.error(m) })
    .then((s) => console.log(s.markdown))
    .catch((err) => {
      console.error(err);
      process.exit(1);
    });
}

