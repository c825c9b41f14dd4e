// Runs bench/dataplane/fixed-rate.ts as its own process on the load-generator core and reads its JSON line.
import { start } from '../lib/proc.ts';

export type FixedRateResult = { sent: number; answered: number; errors: number; achievedRps: number; p50: number; p99: number; p999: number; max: number };

const HARNESS = new URL('../../', import.meta.url).pathname;

export async function fixedRate(url: string, rps: number, seconds: number, cpus?: string): Promise<FixedRateResult> {
  const proc = start('fixed-rate load', process.execPath, ['bench/dataplane/fixed-rate.ts', url, String(rps), String(seconds)], { cpus, cwd: HARNESS });
  const backstop = setTimeout(() => void proc.stop(), (seconds + 30) * 1000);
  const code = await proc.exited;
  clearTimeout(backstop);
  const line = proc.output().split('\n').reverse().find((l) => l.startsWith('{'));
  if (code !== 0 || !line) throw new Error(`fixed-rate load on ${url} failed (exit ${code}):\n${proc.output().slice(-2000)}`);
  const r = JSON.parse(line) as Record<keyof FixedRateResult, number | null>;
  // JSON turns NaN into null: a target that never answered has no percentiles.
  return Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v ?? NaN])) as FixedRateResult;
}
