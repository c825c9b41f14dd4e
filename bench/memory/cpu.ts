// What the memory settings of bin/portico.js cost in CPU: `portico run` (1 route, the fast path) started through
// bin/portico.js once per setting, all on the proxy core, measured in interleaved wrk rounds (paired, so a slow patch
// of machine time hits every setting alike): requests per CPU-second of the proxy, and its RSS after the rounds.
//   node bench/memory/cpu.ts [ROUNDS=5] [SECONDS=5] [SETTING...]
// A SETTING is node flags and environment variables ("--max-semi-space-size=8 MALLOC_ARENA_MAX=2"), "default"
// (bin/portico.js as shipped) or "off" (PORTICO_NODE_DEFAULTS=off: node's own defaults). Default settings: off default.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { startUpstream, type Cores } from '../dataplane/targets.ts';
import { waitFor200 } from '../lib/http.ts';
import { gatewayYaml, routePath, routesYaml, serviceYaml } from '../lib/manifests.ts';
import { porticoRoot } from '../lib/portico.ts';
import { freePort } from '../lib/ports.ts';
import { cpuSeconds, makeTempDir, removeTempDir, rssMiB, start, stopAll, type Proc } from '../lib/proc.ts';
import { fmt, median } from '../lib/stats.ts';
import { wrk } from '../lib/wrk.ts';

const rounds = Number(process.argv[2] ?? 5), seconds = Number(process.argv[3] ?? 5);
const settings = process.argv.length > 4 ? process.argv.slice(4) : ['off', 'default'];
const cores: Cores = cpus().length >= 2 ? { load: '0', proxy: '1' } : {};

type Target = { setting: string; port: number; proc: Proc; perCpuS: number[]; rps: number[] };

const dir = makeTempDir('portico-memory-cpu-');
try {
  const upstream = await startUpstream(dir, cores);
  const targets: Target[] = [];
  for (const setting of settings) {
    const port = await freePort();
    const d = join(dir, `portico-${targets.length}`);
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, 'gateway.yaml'), gatewayYaml(port) + serviceYaml('upstream', upstream.port) + routesYaml(1, ['upstream']));
    const words = setting === 'default' || setting === 'off' ? [] : setting.split(' ');
    const flags = words.filter((w) => w.startsWith('-'));
    const env: NodeJS.ProcessEnv = { ...process.env, ...Object.fromEntries(words.filter((w) => !w.startsWith('-')).map((w) => w.split('='))) };
    if (setting === 'off') env.PORTICO_NODE_DEFAULTS = 'off';
    const proc = start(`portico (${setting})`, process.execPath, [...flags, 'bin/portico.js', 'run', '-f', d, '--access-log', 'off', '--admin', '127.0.0.1:0', '--log-level', 'warn'],
      { cpus: cores.proxy, cwd: porticoRoot(), env });
    await waitFor200(port, `${routePath(0)}/x`, 60_000, `portico (${setting})`);
    targets.push({ setting, port, proc, perCpuS: [], rps: [] });
  }
  const run = async (t: Target, s: number) => {
    const before = cpuSeconds(t.proc.pid);
    const r = await wrk({ url: `http://127.0.0.1:${t.port}${routePath(0)}/x`, seconds: s, connections: 50, cpus: cores.load });
    if (r.errors > 0) throw new Error(`portico (${t.setting}): ${r.errors} errors under wrk`);
    return { rps: r.rps, perCpuS: r.requests / (cpuSeconds(t.proc.pid) - before) };
  };
  for (const t of targets) await run(t, 2);
  for (let round = 0; round < rounds; round++) {
    for (const t of targets.map((_, i) => targets[(i + round) % targets.length]!)) {
      const r = await run(t, seconds);
      t.perCpuS.push(r.perCpuS);
      t.rps.push(r.rps);
      process.stderr.write(`round ${round + 1}: ${t.setting}: ${fmt(r.perCpuS)} req per CPU-s, ${fmt(r.rps)} req/s\n`);
    }
  }
  for (const t of targets) {
    console.log(`${t.setting.padEnd(28)} ${fmt(median(t.perCpuS)).padStart(7)} req per CPU-s (median of ${rounds}; ` +
      `range ${fmt(Math.min(...t.perCpuS))}-${fmt(Math.max(...t.perCpuS))}), ${fmt(median(t.rps))} req/s, RSS ${fmt(rssMiB(t.proc.pid))} MiB`);
  }
} finally {
  await stopAll();
  removeTempDir(dir);
}
