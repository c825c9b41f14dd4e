// The whole machine: nothing pinned, nginx with one worker per core against Portico with one and with one per core
// (`--workers N`), in interleaved rounds. Shows how Portico scales with workers next to what nginx gets from the
// same cores; wrk and the upstream share those cores, so neither proxy can reach N× its pinned figure.
import { cpus } from 'node:os';
import { waitFor200 } from '../lib/http.ts';
import { load } from '../lib/machine.ts';
import { cpuSeconds } from '../lib/proc.ts';
import { table } from '../lib/report.ts';
import { fmt, median } from '../lib/stats.ts';
import { wrk } from '../lib/wrk.ts';
import { startNginx, startPortico, type Target } from './targets.ts';

export type WholeMachineOptions = { rounds: number; seconds: number; connections: number; log: (m: string) => void };

type Sample = { rps: number; p99: number; cpuUsPerReq: number; errors: number; load: string };

export async function runWholeMachine(o: WholeMachineOptions, dir: string, upstreamPort: number): Promise<string> {
  const n = cpus().length;
  o.log(`dataplane: whole machine (${n} cores, nothing pinned): nginx ×${n}, portico ×1 and ×${n}`);
  const targets: Target[] = [
    await startNginx(dir, upstreamPort, 1, {}, n),
    await startPortico(dir, upstreamPort, 1, {}, 1),
    await startPortico(dir, upstreamPort, 1, {}, n),
  ];
  for (const t of targets) await waitFor200(t.port, t.path, 60_000, `${t.kind} ×${t.workers}`);
  const run = async (t: Target, seconds: number) => {
    const before = cpuSeconds(t.proc.pid);
    const r = await wrk({ url: `http://127.0.0.1:${t.port}${t.path}`, seconds, connections: o.connections });
    const cpu = cpuSeconds(t.proc.pid) - before;
    return { ...r, cpuUsPerReq: r.requests > 0 ? (cpu / r.requests) * 1e6 : NaN };
  };
  for (const t of targets) await run(t, 1);
  const samples = new Map<Target, Sample[]>(targets.map((t) => [t, []]));
  for (let round = 0; round < o.rounds; round++) {
    for (const t of targets.map((_, i) => targets[(i + round) % targets.length])) {
      const l = load();
      const r = await run(t, o.seconds);
      samples.get(t)!.push({ rps: r.rps, p99: r.p99ms, cpuUsPerReq: r.cpuUsPerReq, errors: r.errors, load: l });
      o.log(`dataplane: whole machine round ${round + 1}/${o.rounds} ${t.kind} ×${t.workers}: ${fmt(r.rps)} req/s, ${fmt(r.cpuUsPerReq, 1)} µs CPU/req, load ${l}`);
    }
  }
  for (const t of targets) await t.proc.stop();
  return render(o, n, targets, samples);
}

function render(o: WholeMachineOptions, n: number, targets: readonly Target[], samples: Map<Target, Sample[]>): string {
  const [nginx, one] = targets.map((t) => samples.get(t)!);
  const rows = targets.map((t) => {
    const s = samples.get(t)!;
    return [
      t.kind, t.workers, fmt(median(s.map((x) => x.rps))), fmt(median(s.map((x, i) => x.rps / nginx[i].rps)), 2),
      t.kind === 'portico' ? fmt(median(s.map((x, i) => x.rps / one[i].rps)), 2) : '',
      fmt(median(s.map((x) => x.p99)), 2), fmt(median(s.map((x) => x.cpuUsPerReq)), 1), s.reduce((a, x) => a + x.errors, 0),
      s.map((x) => x.load.split(' ')[0]).join(', '),
    ];
  });
  return `
### The whole machine: workers

Nothing pinned: ${o.rounds} interleaved rounds of ${o.seconds} s, \`wrk -t1 -c${o.connections}\` on the 1-route table, nginx with
\`worker_processes ${n}\`, Portico with \`--workers 1\` (in process) and \`--workers ${n}\` (node:cluster workers sharing the
listening socket, the primary running the file source and translate). wrk and the upstream share the same ${n} cores,
so a proxy cannot reach ${n}× its pinned figure; "× 1 worker" pairs each round with Portico's 1-worker round. CPU time is
the whole process tree's (primary and workers).

${table(['proxy', 'workers', 'req/s (median)', '× nginx', '× 1 worker', 'p99 ms', 'CPU µs/req', 'errors', 'load avg (1 min) per round'], rows)}
`;
}
