// Latency at a fixed moderate rate with `hey` (Debian package, Go): WORKERS workers, each sending at most
// rate/WORKERS requests per second over its own keep-alive connection, every request's time written as CSV.
// A compiled client: the Node client used before stalled often enough on its own to make every p99 6 to 19 ms,
// the upstream alone included. Each worker waits for its answer before its next request, so this is open loop only
// while answers come much faster than a worker's interval (25 workers at 5,000 req/s: 5 ms, against p50s of 0.3 ms).
import { closeSync, openSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir, removeTempDir, start } from '../lib/proc.ts';
import { percentile } from '../lib/stats.ts';

export type FixedRateResult = { sent: number; answered: number; errors: number; achievedRps: number; p50: number; p99: number; p999: number; max: number };

export const WORKERS = 25;

export async function fixedRate(url: string, rps: number, seconds: number, cpus?: string): Promise<FixedRateResult> {
  // The first second is not recorded: connections open and the client warms up then.
  await hey(url, rps, 1, cpus);
  return summarise(await hey(url, rps, seconds, cpus), seconds);
}

/** One hey run; returns its CSV rows (response time s, …, status code, offset s). */
async function hey(url: string, rps: number, seconds: number, cpus?: string): Promise<string[]> {
  const dir = makeTempDir('portico-hey-');
  const file = join(dir, 'out.csv');
  const fd = openSync(file, 'w');
  try {
    const args = ['-z', `${seconds}s`, '-c', String(WORKERS), '-q', String(rps / WORKERS), '-disable-compression', '-o', 'csv', url];
    const proc = start('hey', 'hey', args, { cpus, stdout: fd });
    const backstop = setTimeout(() => void proc.stop(), (seconds + 30) * 1000);
    const code = await proc.exited;
    clearTimeout(backstop);
    if (code !== 0) throw new Error(`hey ${args.join(' ')} failed (exit ${code}): ${proc.output().slice(-2000)}`);
    return readFileSync(file, 'utf8').split('\n').slice(1).filter((l) => l !== '');
  } finally {
    closeSync(fd);
    rmSync(file, { force: true });
    removeTempDir(dir);
  }
}

export function summarise(rows: readonly string[], seconds: number): FixedRateResult {
  const ms: number[] = [];
  let errors = 0;
  for (const row of rows) {
    const cols = row.split(',');
    if (cols[6] !== '200') errors++;
    else ms.push(Number(cols[0]) * 1000);
  }
  ms.sort((a, b) => a - b);
  return {
    sent: rows.length, answered: ms.length, errors, achievedRps: ms.length / seconds,
    p50: percentile(ms, 50), p99: percentile(ms, 99), p999: percentile(ms, 99.9), max: ms.at(-1) ?? NaN,
  };
}
