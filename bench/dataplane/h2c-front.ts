// HTTP/2 on the front: h2load speaks h2c with prior knowledge to nginx (`listen … http2`), HAProxy (`proto h2`) and
// Portico (h2c on its HTTP port), each pinned like the HTTP/1.1 rounds and forwarding HTTP/1.1 keep-alive to the same
// upstream. Interleaved rounds, ratios to nginx paired round by round.
import { join } from 'node:path';
import { mkdirSync, writeFileSync } from 'node:fs';
import { waitForPort, cpuSeconds, start, type Proc } from '../lib/proc.ts';
import { load } from '../lib/machine.ts';
import { freePort } from '../lib/ports.ts';
import { table } from '../lib/report.ts';
import { fmt, median } from '../lib/stats.ts';
import { haproxyConf, nginxProxyConf } from './configs.ts';
import type { Cores, Target } from './targets.ts';

export type H2cOptions = { rounds: number; seconds: number; connections: number; streams: number; log: (m: string) => void };

type H2Target = { kind: string; port: number; path: string; proc: Proc; stop: boolean };
type Sample = { rps: number; meanMs: number; cpuUsPerReq: number; failed: number; load: string };

export async function runH2cFront(o: H2cOptions, dir: string, upstreamPort: number, cores: Cores, portico: Target): Promise<string> {
  const targets: H2Target[] = [
    await startNginxH2c(dir, upstreamPort, cores),
    await startHaproxyH2c(dir, upstreamPort, cores),
    { kind: 'portico', port: portico.port, path: portico.path, proc: portico.proc, stop: false },
  ];
  try {
    for (const t of targets) await h2load(o, t, 1, cores);
    const samples = new Map<H2Target, Sample[]>(targets.map((t) => [t, []]));
    for (let round = 0; round < o.rounds; round++) {
      for (const t of targets.map((_, i) => targets[(i + round) % targets.length])) {
        const l = load();
        const before = cpuSeconds(t.proc.pid);
        const r = await h2load(o, t, o.seconds, cores);
        const cpu = cpuSeconds(t.proc.pid) - before;
        const s = { rps: r.rps, meanMs: r.meanMs, cpuUsPerReq: r.done > 0 ? (cpu / r.done) * 1e6 : NaN, failed: r.failed, load: l };
        samples.get(t)!.push(s);
        o.log(`dataplane: h2c round ${round + 1}/${o.rounds} ${t.kind}: ${fmt(s.rps)} req/s, mean ${fmt(s.meanMs, 2)} ms, ${fmt(s.cpuUsPerReq, 1)} µs CPU/req`);
      }
    }
    return render(o, targets, samples);
  } finally {
    for (const t of targets) if (t.stop) await t.proc.stop();
  }
}

async function startNginxH2c(dir: string, upstreamPort: number, cores: Cores): Promise<H2Target> {
  const port = await freePort();
  const d = join(dir, 'nginx-h2c');
  mkdirSync(d, { recursive: true });
  writeFileSync(join(d, 'nginx.conf'), nginxProxyConf(d, port, upstreamPort, 1, 1, true));
  const proc = start('nginx h2c', 'nginx', ['-p', d, '-c', join(d, 'nginx.conf'), '-e', 'stderr'], { cpus: cores.proxy });
  await waitForPort(proc, port);
  return { kind: 'nginx', port, path: '/svc/0/x', proc, stop: true };
}

async function startHaproxyH2c(dir: string, upstreamPort: number, cores: Cores): Promise<H2Target> {
  const port = await freePort();
  const file = join(dir, 'haproxy-h2c.cfg');
  writeFileSync(file, haproxyConf(port, upstreamPort, true));
  const proc = start('haproxy h2c', 'haproxy', ['-db', '-f', file], { cpus: cores.proxy });
  await waitForPort(proc, port);
  return { kind: 'haproxy', port, path: '/svc/0/x', proc, stop: true };
}

type H2loadResult = { rps: number; done: number; failed: number; meanMs: number };

async function h2load(o: H2cOptions, t: H2Target, seconds: number, cores: Cores): Promise<H2loadResult> {
  const args = ['-t1', `-c${o.connections}`, `-m${o.streams}`, `-D${seconds}`, `http://127.0.0.1:${t.port}${t.path}`];
  const proc = start('h2load', 'h2load', args, { cpus: cores.load });
  const backstop = setTimeout(() => void proc.stop(), (seconds + 30) * 1000);
  const code = await proc.exited;
  clearTimeout(backstop);
  const text = proc.output();
  if (code !== 0) throw new Error(`h2load ${args.join(' ')} exited with ${code}; is nghttp2-client installed? run bench/install.sh\n${text}`);
  return parseH2load(text);
}

/** Reads h2load's summary: "finished in …, N req/s", the requests line and "time for request" (mean, with its unit). */
export function parseH2load(text: string): H2loadResult {
  const rps = /finished in [\d.]+m?s, ([\d.]+) req\/s/.exec(text);
  const reqs = /requests: \d+ total, \d+ started, (\d+) done, \d+ succeeded, (\d+) failed, (\d+) errored/.exec(text);
  const time = /time for request:\s+\S+\s+\S+\s+([\d.]+)(us|ms|s)\b/.exec(text);
  if (!rps || !reqs || !time) throw new Error(`cannot read h2load's summary:\n${text}`);
  const unit = { us: 0.001, ms: 1, s: 1000 }[time[2] as 'us' | 'ms' | 's'];
  return { rps: Number(rps[1]), done: Number(reqs[1]), failed: Number(reqs[2]) + Number(reqs[3]), meanMs: Number(time[1]) * unit };
}

function render(o: H2cOptions, targets: readonly H2Target[], samples: Map<H2Target, Sample[]>): string {
  const nginx = samples.get(targets[0])!;
  const rows = targets.map((t) => {
    const s = samples.get(t)!;
    const perCpu = (x: Sample) => 1e6 / x.cpuUsPerReq;
    return [
      t.kind, fmt(median(s.map((x) => x.rps))), fmt(median(s.map((x, i) => x.rps / nginx[i].rps)), 2),
      fmt(median(s.map((x, i) => perCpu(x) / perCpu(nginx[i]))), 2), fmt(median(s.map((x) => x.meanMs)), 2),
      fmt(median(s.map((x) => x.cpuUsPerReq)), 1), s.reduce((a, x) => a + x.failed, 0), s.map((x) => x.load.split(' ')[0]).join(', '),
    ];
  });
  return `
### HTTP/2 (h2c) on the front

\`h2load -t1 -c${o.connections} -m${o.streams} -D${o.seconds}\` (h2c with prior knowledge), ${o.rounds} interleaved rounds per proxy on the
1-route table, each proxy pinned as above and forwarding HTTP/1.1 keep-alive to the same upstream: nginx
(\`listen … http2\`), HAProxy (\`bind … proto h2\`) and Portico (h2c on its HTTP port, the same process as the 1-route
HTTP/1.1 rounds).

${table(['proxy', 'req/s (median)', '× nginx req/s', '× nginx req per CPU-s', 'mean latency ms', 'CPU µs/req', 'failed', 'load avg (1 min) per round'], rows)}
`;
}
