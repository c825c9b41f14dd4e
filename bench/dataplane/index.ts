// Data-plane throughput and latency: every proxy in turn, in interleaved rounds, one worker each on the same core,
// wrk (one thread) and the upstream on the other core. Ratios to nginx are paired round by round, so a slow patch
// of machine time hurts both sides of a ratio alike.
import { cpus } from 'node:os';
import { waitFor200 } from '../lib/http.ts';
import { load } from '../lib/machine.ts';
import { cpuSeconds, makeTempDir, removeTempDir, rssMiB, stopAll } from '../lib/proc.ts';
import { table, type Section } from '../lib/report.ts';
import { fmt, median } from '../lib/stats.ts';
import { wrk } from '../lib/wrk.ts';
import { fixedRate, WORKERS, type FixedRateResult } from './fixed-rate-run.ts';
import { directTarget, startFloor, startHaproxy, startNginx, startPortico, startUpstream, type Cores, type Target } from './targets.ts';
import { runH2cFront } from './h2c-front.ts';
import { runWholeMachine } from './whole-machine.ts';

/** Fixed-rate runs per target: one run's p99 rests on a few dozen samples, and the machine hiccups now and then. */
const FIXED_REPS = 3;

/** Each figure's median over several runs of one target. */
function medianOf(rs: readonly FixedRateResult[]): FixedRateResult {
  const m = (k: keyof FixedRateResult) => median(rs.map((r) => r[k]));
  return { sent: m('sent'), answered: m('answered'), errors: Math.max(...rs.map((r) => r.errors)), achievedRps: m('achievedRps'), p50: m('p50'), p99: m('p99'), p999: m('p999'), max: m('max') };
}

/** The fixed rate, as a share of the slowest 1-route proxy's throughput in the same run. */
const RATE_SHARE = 0.3;

export type DataplaneOptions = {
  routeCounts: readonly number[]; rounds: number; seconds: number; connections: number;
  /** Open-loop latency at a moderate fixed rate (at most `rps`), once per target after the rounds. */
  fixedRate: { rps: number; seconds: number };
  log: (m: string) => void;
};

type Sample = { round: number; rps: number; p50: number; p99: number; cpuUsPerReq: number; errors: number; load: string };

export async function runDataplane(o: DataplaneOptions): Promise<Section> {
  const cores: Cores = cpus().length >= 2 ? { load: '0', proxy: '1' } : {};
  const dir = makeTempDir('portico-bench-dp-');
  try {
    o.log(`dataplane: starting servers (${Object.keys(cores).length ? 'proxies on cpu 1, wrk and upstream on cpu 0' : 'one cpu: no pinning'})`);
    const upstream = await startUpstream(dir, cores);
    const targets: Target[] = [directTarget(upstream)];
    targets.push(await startNginx(dir, upstream.port, 1, cores));
    targets.push(await startHaproxy(dir, upstream.port, cores));
    targets.push(await startFloor('undici', upstream.port, cores));
    targets.push(await startFloor('http', upstream.port, cores));
    for (const n of o.routeCounts) {
      if (n !== 1) targets.push(await startNginx(dir, upstream.port, n, cores));
      o.log(`dataplane: starting portico with ${n} routes`);
      targets.push(await startPortico(dir, upstream.port, n, cores));
    }
    for (const t of targets) await waitFor200(t.port, t.path, 60_000, `${t.kind} (${t.routes} routes)`);

    const run = async (t: Target, seconds: number) => {
      const before = cpuSeconds(t.proc.pid);
      const r = await wrk({ url: `http://127.0.0.1:${t.port}${t.path}`, seconds, connections: o.connections, cpus: cores.load });
      const cpu = cpuSeconds(t.proc.pid) - before;
      return { ...r, cpuUsPerReq: r.requests > 0 ? (cpu / r.requests) * 1e6 : NaN };
    };
    o.log('dataplane: warm-up');
    for (const t of targets) await run(t, 1);

    const samples = new Map<Target, Sample[]>(targets.map((t) => [t, []]));
    for (let round = 0; round < o.rounds; round++) {
      // Rotate the order each round so no target always runs right after the same neighbour.
      const order = targets.map((_, i) => targets[(i + round) % targets.length]);
      for (const t of order) {
        const l = load();
        const r = await run(t, o.seconds);
        samples.get(t)!.push({ round, rps: r.rps, p50: r.p50ms, p99: r.p99ms, cpuUsPerReq: r.cpuUsPerReq, errors: r.errors, load: l });
        o.log(`dataplane: round ${round + 1}/${o.rounds} ${t.kind} (${t.routes} routes): ${fmt(r.rps)} req/s, p99 ${r.p99ms} ms, ${fmt(r.cpuUsPerReq, 1)} µs CPU/req, load ${l}`);
      }
    }
    // Moderate means well below every proxy's capacity as measured in this run (the machine's load moves it).
    const slowest = Math.min(...targets.filter((t) => t.routes === 1 && t.kind !== 'upstream (direct)').map((t) => median(samples.get(t)!.map((x) => x.rps))));
    const rate = Math.max(50, Math.min(o.fixedRate.rps, Math.round((slowest * RATE_SHARE) / 50) * 50));
    const runs = new Map<Target, FixedRateResult[]>(targets.map((t) => [t, []]));
    for (let rep = 0; rep < FIXED_REPS; rep++) {
      for (const t of targets.map((_, i) => targets[(i + rep) % targets.length])) {
        const r = await fixedRate(`http://127.0.0.1:${t.port}${t.path}`, rate, o.fixedRate.seconds, cores.load);
        runs.get(t)!.push(r);
        o.log(`dataplane: ${rate} req/s fixed rate ${rep + 1}/${FIXED_REPS}, ${t.kind} (${t.routes} routes): p50 ${fmt(r.p50, 2)} ms, p99 ${fmt(r.p99, 2)} ms, ${r.errors} errors`);
      }
    }
    const fixed = new Map([...runs].map(([t, rs]) => [t, medianOf(rs)]));
    const rss = new Map(targets.map((t) => [t, rssMiB(t.proc.pid)]));
    const portico1 = targets.find((t) => t.kind === 'portico' && t.routes === 1)!;
    const h2c = await runH2cFront({ rounds: o.rounds, seconds: o.seconds, connections: 10, streams: 10, log: o.log }, dir, upstream.port, cores, portico1);
    // The pinned proxies stop first: the whole-machine run gives every core to the proxies it starts.
    for (const t of targets) if (t.kind !== 'upstream (direct)') await t.proc.stop();
    const whole = await runWholeMachine(o, dir, upstream.port);
    return { part: 'dataplane', markdown: render(o, dir, targets, samples, rss) + renderFixed(o, rate, targets, fixed) + h2c + whole };
  } finally {
    await stopAll();
    removeTempDir(dir);
  }
}

function render(o: DataplaneOptions, dir: string, targets: readonly Target[], samples: Map<Target, Sample[]>, rss: Map<Target, number>): string {
  const nginxFor = (routes: number) => targets.find((t) => t.kind === 'nginx' && t.routes === routes) ?? targets.find((t) => t.kind === 'nginx')!;
  const rows = targets.map((t) => {
    const s = samples.get(t)!;
    const ref = samples.get(nginxFor(t.routes))!;
    const isProxy = t.kind !== 'upstream (direct)';
    const ratio = median(s.map((x, i) => x.rps / ref[i].rps));
    const cpuRatio = median(s.map((x, i) => ref[i].cpuUsPerReq / x.cpuUsPerReq));
    return [
      t.kind, t.routes, fmt(median(s.map((x) => x.rps))), fmt(ratio, 2),
      fmt(median(s.map((x) => x.p50)), 2), fmt(median(s.map((x) => x.p99)), 2),
      isProxy ? fmt(median(s.map((x) => x.cpuUsPerReq)), 1) : `(${fmt(median(s.map((x) => x.cpuUsPerReq)), 1)})`,
      isProxy ? fmt(cpuRatio, 2) : '', fmt(rss.get(t)!, 0), s.reduce((a, x) => a + x.errors, 0),
    ];
  });
  const raw = targets.flatMap((t) => samples.get(t)!.map((x) => [x.round + 1, t.kind, t.routes, fmt(x.rps), fmt(x.p50, 2), fmt(x.p99, 2), fmt(x.cpuUsPerReq, 1), x.errors, x.load]));
  const commands = targets.map((t) => `- ${t.kind} (${t.routes} routes): \`${t.command.replaceAll(dir, '<tmp>')}\``).join('\n');
  return `## Data plane: HTTP/1.1 throughput and latency

${o.rounds} interleaved rounds of ${o.seconds} s per target, \`wrk -t1 -c${o.connections} --latency\`, keep-alive on both sides,
a 3-byte \`200\` from the upstream (nginx, one worker, \`return 200\`). Each proxy runs one worker pinned to CPU 1;
wrk and the upstream share CPU 0 (so "upstream (direct)" is the most CPU 0 can drive, the ceiling for every proxy).
wrk requests the *last* route of the table (\`/svc/<n-1>/x\`). "× nginx" pairs each round with nginx's round at the
same route count (1 route for HAProxy and the Node floors, which do no routing). "req/CPU-s × nginx" is nginx's CPU
time per request divided by the proxy's: the issue's efficiency target is ≥ 0.5. CPU time is utime+stime of the proxy
process tree from /proc, over the measured run; for the direct row it is the upstream's, in parentheses. p50/p99
are at saturation (closed loop, ${o.connections} connections), so they mostly show queueing.

${table(['proxy', 'routes', 'req/s (median)', '× nginx', 'p50 ms', 'p99 ms', 'CPU µs/req', 'req/CPU-s × nginx', 'RSS MiB', 'errors'], rows)}

<details><summary>Every round, with the 1/5/15-minute load average when it started</summary>

${table(['round', 'proxy', 'routes', 'req/s', 'p50 ms', 'p99 ms', 'CPU µs/req', 'errors', 'load avg'], raw)}

</details>

Not measured yet: HAProxy with a route table. The fixed-rate latency, h2c on the front and the whole machine
with one worker per core are below.

Commands (configs are generated into a temporary folder by \`bench/dataplane/configs.ts\` and \`bench/lib/manifests.ts\`):
${commands}
`;
}

function renderFixed(o: DataplaneOptions, rate: number, targets: readonly Target[], fixed: Map<Target, FixedRateResult>): string {
  const nginxFor = (routes: number) => targets.find((t) => t.kind === 'nginx' && t.routes === routes) ?? targets.find((t) => t.kind === 'nginx')!;
  const rows = targets.map((t) => {
    const r = fixed.get(t)!;
    const ref = fixed.get(nginxFor(t.routes))!;
    return [t.kind, t.routes, fmt(r.achievedRps), fmt(r.p50, 2), fmt(r.p99, 2), fmt(r.p999, 2), fmt(r.max, 1), t.kind === 'upstream (direct)' ? '' : fmt(r.p99 - ref.p99, 2), r.errors];
  });
  return `
### Latency at a fixed moderate rate

${fmt(rate)} req/s for ${o.fixedRate.seconds} s per target, after 1 s at the same rate that is not recorded, with \`hey\`
(${WORKERS} workers on keep-alive connections, each at ${fmt(rate / WORKERS)} req/s; pinned to CPU 0 beside the upstream;
\`bench/dataplane/fixed-rate-run.ts\`), every target ${FIXED_REPS} times in rotating order after the rounds; each figure is the
median of the ${FIXED_REPS} runs. Latency from send to the end of the body, as hey reports it (0.1 ms steps). The rate is ${RATE_SHARE * 100} % of the slowest 1-route proxy's median throughput in the rounds above, capped at
${fmt(o.fixedRate.rps)} req/s (the issue's example rate), so that it is moderate for every proxy on the machine as it was
during this run. The issue's target: Portico's p99 ≤ nginx's p99 + 0.5 ms.

${table(['proxy', 'routes', 'achieved req/s', 'p50 ms', 'p99 ms', 'p99.9 ms', 'max ms', 'p99 − nginx p99 ms', 'errors'], rows)}
`;
}
