// Runs the benchmarks and writes docs/benchmarks.md.
//   node bench/run.ts [dataplane|propagation|propagation-kubernetes|translate ...] [--quick] [--no-install] [--portico DIR|COMMIT]
// Without a part name it runs all four (propagation-kubernetes brings up the test cluster of test/cluster). --quick is a ~2-minute smoke run with fewer rounds and smaller tables.
// --portico DIR|COMMIT measures another Portico: a source tree with its node_modules, or a commit of this repository
// (exported read-only with git archive), instead of this checkout.
import { execFileSync } from 'node:child_process';
import { machineInfo, load } from './lib/machine.ts';
import { closeAgent } from './lib/http.ts';
import { porticoRevision, preparePortico } from './lib/portico.ts';
import { stopAll } from './lib/proc.ts';
import { describe, writeReport, type Section } from './lib/report.ts';
import { runDataplane } from './dataplane/index.ts';
import { runPropagation } from './propagation/index.ts';
import { runKubernetesPropagation } from './propagation/kubernetes.ts';
import { runTranslate } from './translate/index.ts';

const PARTS = ['dataplane', 'propagation', 'propagation-kubernetes', 'translate'] as const;
type Part = (typeof PARTS)[number];
const ROOT = new URL('../', import.meta.url).pathname;

function usage(problem: string): never {
  console.error(`bench/run.ts: ${problem}\nusage: node bench/run.ts [${PARTS.join('|')} ...] [--quick] [--no-install] [--portico DIR|COMMIT]`);
  process.exit(2);
}

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const install = !argv.includes('--no-install');
const named: string[] = [];
let porticoSpec: string | undefined;
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === '--portico') {
    if (!argv[i + 1]) usage('--portico needs a directory or a commit');
    porticoSpec = argv[++i];
  } else if (a.startsWith('--portico=')) porticoSpec = a.slice('--portico='.length);
  else if (a.startsWith('--') && !['--quick', '--no-install'].includes(a)) usage(`unknown option ${a}`);
  else if (!a.startsWith('--')) named.push(a);
}
for (const a of named) if (!(PARTS as readonly string[]).includes(a)) usage(`unknown part "${a}"`);
const parts: Part[] = named.length ? (named as Part[]) : [...PARTS];

const started = Date.now();
const log = (m: string) => console.error(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${m}`);

if (install && parts.includes('dataplane')) {
  execFileSync('sh', [`${ROOT}bench/install.sh`], { stdio: 'inherit' });
}
const machine = machineInfo();
let measured: string;
let cleanupTree = () => {};
try {
  if (porticoSpec) {
    const tree = preparePortico(porticoSpec);
    process.env.PORTICO_BENCH_ROOT = tree.root;
    cleanupTree = tree.cleanup;
    measured = `Portico ${tree.revision}`;
  } else {
    measured = `Portico ${porticoRevision()}`;
  }
} catch (err) {
  usage((err as Error).message);
}
log(`machine: ${describe(machine)}; load average ${load()}; ${measured}`);

const sections: Section[] = [];
const failed: string[] = [];
try {
  for (const part of parts) {
    log(`${part}: start (load average ${load()})`);
    try {
      sections.push(await runPart(part));
      log(`${part}: done (load average ${load()})`);
    } catch (err) {
      // One part failing (a proxy that would not start, a broken tree) should not cost the others' results.
      failed.push(part);
      log(`${part}: FAILED, its block in docs/benchmarks.md is left as it was: ${(err as Error).stack ?? err}`);
      await stopAll();
    }
  }
} finally {
  await stopAll();
  closeAgent();
  cleanupTree();
}

async function runPart(part: Part): Promise<Section> {
  if (part === 'dataplane') {
    return runDataplane(quick
      ? { routeCounts: [1, 100], rounds: 2, seconds: 3, connections: 50, fixedRate: { rps: 5000, seconds: 3 }, log }
      : { routeCounts: [1, 100, 10_000], rounds: 5, seconds: 5, connections: 50, fixedRate: { rps: 5000, seconds: 6 }, log });
  }
  if (part === 'propagation') {
    return runPropagation(quick
      ? { existing: [100], probes: 10, routechanges: 20, churn: { cycles: 30, deadlineMs: 30_000 }, log }
      : { existing: [100, 3000], probes: 40, routechanges: 20, churn: { cycles: 300, deadlineMs: 120_000 }, log });
  }
  if (part === 'propagation-kubernetes') {
    return runKubernetesPropagation(quick ? { existing: [100], probes: 10, log } : { existing: [100, 3000], probes: 40, log });
  }
  return runTranslate(quick ? { sizes: [1000, 5000], runs: 3, log } : { sizes: [1000, 5000, 10_000], runs: 5, log });
}

const file = `${ROOT}docs/benchmarks.md`;
const cmd = `node bench/run.ts ${argv.join(' ')}`.trim();
// `notes` is the hand-written block (findings, what limits the figures); runs keep it as it is.
writeReport(file, { machine, commandLine: cmd, measured }, sections, ['notes', ...PARTS]);
log(`wrote ${file} in ${((Date.now() - started) / 1000).toFixed(0)} s${failed.length ? `; failed: ${failed.join(', ')}` : ''}`);
if (failed.length) process.exitCode = 1;
