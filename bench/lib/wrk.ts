// Runs wrk (bounded by duration) pinned to the load-generator core and reads its summary.
import { start } from './proc.ts';

export type WrkResult = {
  requests: number;
  rps: number;
  p50ms: number;
  p99ms: number;
  /** Responses that were not 2xx/3xx, plus connect/read/write/timeout socket errors. */
  errors: number;
};

export type WrkOptions = { url: string; seconds: number; connections: number; cpus?: string; headers?: Record<string, string> };

export async function wrk(o: WrkOptions): Promise<WrkResult> {
  const args = ['-t1', `-c${o.connections}`, `-d${o.seconds}s`, '--latency', '--timeout', '5s'];
  for (const [k, v] of Object.entries(o.headers ?? {})) args.push('-H', `${k}: ${v}`);
  args.push(o.url);
  // Started like every other process, so an interrupted run stops it too; the timer is a backstop for a hung wrk.
  const proc = start('wrk', 'wrk', args, { cpus: o.cpus });
  const backstop = setTimeout(() => void proc.stop(), (o.seconds + 30) * 1000);
  const code = await proc.exited;
  clearTimeout(backstop);
  const text = proc.output();
  if (code !== 0) throw new Error(`wrk ${o.url} exited with ${code}; is wrk installed? run bench/install.sh\n${text}`);
  try {
    return parseWrk(text);
  } catch (e) {
    throw new Error(`cannot read wrk's output for ${o.url}: ${(e as Error).message}\n${text}`);
  }
}

export function parseWrk(text: string): WrkResult {
  const num = (re: RegExp, what: string) => {
    const m = re.exec(text);
    if (!m) throw new Error(`no ${what} line`);
    return m;
  };
  const requests = Number(num(/(\d+) requests in/, 'requests')[1]);
  const rps = Number(num(/Requests\/sec:\s+([\d.]+)/, 'Requests/sec')[1]);
  const p50 = num(/^\s+50%\s+([\d.]+)(us|ms|s)\s*$/m, '50% latency');
  const p99 = num(/^\s+99%\s+([\d.]+)(us|ms|s)\s*$/m, '99% latency');
  let errors = Number(/Non-2xx or 3xx responses: (\d+)/.exec(text)?.[1] ?? 0);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
  if (sock) errors += sock.slice(1).reduce((a, b) => a + Number(b), 0);
  return { requests, rps, p50ms: toMs(p50[1], p50[2]), p99ms: toMs(p99[1], p99[2]), errors };
}

function toMs(v: string, unit: string): number {
  const n = Number(v);
  return unit === 'us' ? n / 1000 : unit === 's' ? n * 1000 : n;
}
