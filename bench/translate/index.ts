// Control-plane scale: translate() time and heap for generated route tables, one child process per size.
import { load } from '../lib/machine.ts';
import { start } from '../lib/proc.ts';
import { table, type Section } from '../lib/report.ts';
import { fmt, median } from '../lib/stats.ts';

export type TranslateOptions = { sizes: readonly number[]; runs: number; log: (m: string) => void };

type Measure = { routes: number; parseMs: number; timesMs: number[]; proxies: number; accepted: number; snapshotHeapMiB: number; resultHeapMiB: number; rssMiB: number };

const HARNESS = new URL('../../', import.meta.url).pathname;

async function measure(routes: number, runs: number): Promise<Measure> {
  const args = ['--expose-gc', 'bench/translate/measure.ts', String(routes), String(runs)];
  const proc = start(`translate at ${routes} routes`, process.execPath, args, { cwd: HARNESS });
  const backstop = setTimeout(() => void proc.stop(), 300_000);
  const code = await proc.exited;
  clearTimeout(backstop);
  const line = proc.output().split('\n').reverse().find((l) => l.startsWith('{'));
  if (code !== 0 || !line) throw new Error(`translate benchmark at ${routes} routes failed (exit ${code}):\n${proc.output().slice(-3000)}`);
  return JSON.parse(line) as Measure;
}

export async function runTranslate(o: TranslateOptions): Promise<Section> {
  const rows: (string | number)[][] = [];
  for (const n of o.sizes) {
    const l = load();
    const m = await measure(n, o.runs);
    o.log(`translate: ${n} routes: median ${fmt(median(m.timesMs), 1)} ms, result ${fmt(m.resultHeapMiB, 1)} MiB, load ${l}`);
    rows.push([n, m.accepted, fmt(median(m.timesMs), 1), fmt(m.timesMs[0], 1), fmt(Math.max(...m.timesMs), 1), fmt(m.snapshotHeapMiB, 1), fmt(m.resultHeapMiB, 1), fmt(m.rssMiB), fmt(m.parseMs), l]);
  }
  return {
    part: 'translate',
    markdown: `## Control plane: translate() at scale

\`translate()\` imported directly (\`src/translate/index.ts\`) on a snapshot built with \`snapshotOf\` from generated
manifests: one Gateway, 100 Services with EndpointSlices, N HTTPRoutes with one PathPrefix rule each, spread over the
Services. ${o.runs} runs per size in a fresh process (\`node --expose-gc\`), GC forced before each run. "heap: snapshot"
is the heap in use with the parsed snapshot loaded; "heap: result" is what one retained \`TranslateResult\` adds.
YAML parsing (\`parseManifests\`) is timed apart and not part of translate. The target is 10,000 routes in under 1 s.

${table(['HTTPRoutes', 'accepted', 'translate ms (median)', 'first run ms', 'max ms', 'heap: snapshot MiB', 'heap: result MiB', 'RSS MiB', 'parse ms', 'load avg'], rows)}

Memory under route churn (routes created and deleted in a loop on a running Portico) is in the propagation part.

Command, per size: \`node --expose-gc bench/translate/measure.ts N ${o.runs}\`.
`,
  };
}
