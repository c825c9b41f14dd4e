// A Portico in file mode on a watched folder, and atomic writes into that folder: a file appears whole (rename),
// so the watcher never reads half a route.
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor200 } from '../lib/http.ts';
import { gatewayYaml, routePath, routesYaml, serviceYaml } from '../lib/manifests.ts';
import { porticoRoot } from '../lib/portico.ts';
import { freePort } from '../lib/ports.ts';
import { sleep, start, type Proc } from '../lib/proc.ts';

export const SETTLE_MS = 3000;
import type { NamedUpstream } from '../lib/upstreams.ts';

export type WatchedPortico = {
  proc: Proc; port: number; adminPort: number; inspectPort: number; watched: string; command: string;
  write(name: string, text: string): void;
  remove(name: string): void;
};

export async function startWatchedPortico(dir: string, ups: readonly NamedUpstream[], existing: number): Promise<WatchedPortico> {
  const watched = join(dir, 'conf');
  const staging = join(dir, 'staging');
  mkdirSync(watched, { recursive: true });
  mkdirSync(staging, { recursive: true });
  const port = await freePort();
  const adminPort = await freePort();
  const inspectPort = await freePort();
  writeFileSync(join(watched, 'gateway.yaml'), gatewayYaml(port) + ups.map((u) => serviceYaml(u.name, u.port)).join(''));
  writeFileSync(join(watched, 'existing.yaml'), routesYaml(existing, ups.map((u) => u.name)));
  const args = ['bin/portico.js', 'run', '-f', watched, '--access-log', 'off', '--admin', `127.0.0.1:${adminPort}`, '--log-level', 'warn'];
  // The inspector (loopback only) lets the churn test force a GC before reading the heap.
  // PORTICO_BENCH_NODE_ARGS adds node flags, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile a propagation run.
  const extra = (process.env.PORTICO_BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const proc = start(`portico (${existing} routes)`, process.execPath, [...extra, `--inspect=127.0.0.1:${inspectPort}`, ...args], { cwd: porticoRoot() });
  await waitFor200(port, `${routePath(existing - 1)}/x`, 120_000, `portico with ${existing} routes`);
  // Measure the steady state: start-up work (a file source may re-read just-written files for a while) is over.
  await sleep(SETTLE_MS);
  let seq = 0;
  return {
    proc, port, adminPort, inspectPort, watched, command: `node ${args.join(' ')}`.replace(String(adminPort), '<port>'),
    write(name, text) {
      const tmp = join(staging, `${name}.${seq++}.tmp`);
      writeFileSync(tmp, text);
      renameSync(tmp, join(watched, name));
    },
    remove(name) {
      rmSync(join(watched, name));
    },
  };
}
