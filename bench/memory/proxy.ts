// Memory of the data plane alone: a real `portico proxy` (started through bin/portico.js, as the container image
// does) fed a ROUTES-route ProxyConfig over the config stream by a stand-in controller built from src/control/ (the
// real ConfigServer and wire format; only the TokenReview is stubbed, there is no API server). After the last route
// answers and every upstream has served traffic, prints RSS, then heap and RSS after a forced GC (inspector).
//   node bench/memory/proxy.ts [ROUTES=5000] [REQUESTS=2000] [UPSTREAM_HOST]
// A proxy refuses loopback endpoints (they would reach its own pod), so with the default UPSTREAM_HOST 127.0.0.1 every
// request answers 503 and no upstream pool opens. For real forwarding run it in the test cluster's network namespace,
// where pod addresses are local: ip netns exec m node bench/memory/proxy.ts 5000 2000 10.244.250.2
// PORTICO_BENCH_NODE_ARGS adds node flags to the proxy (e.g. "--max-semi-space-size=16" to compare settings).
// Node keeps a compile cache per set of flags that change compiled code: run a new setting twice and read the second.
// Diagnostics: PORTICO_BENCH_HEAP=1 also prints the heap before the forced GC, PORTICO_BENCH_TRACE=1 passes the
// proxy's stdout through (with --trace-gc in PORTICO_BENCH_NODE_ARGS), PORTICO_BENCH_IDLE_MS sets the quiet wait.
import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import type { KubeObject } from '../../src/api/meta.ts';
import { snapshotOf } from '../../src/api/snapshot.ts';
import { issue } from '../../src/control/certs.ts';
import { ConfigServer } from '../../src/control/server.ts';
import { PROXY_TOKEN_AUDIENCE } from '../../src/infra/proxy-objects.ts';
import { proxyUser } from '../../src/control/auth.ts';
import { parseManifests } from '../../src/sources/parse.ts';
import { translate } from '../../src/translate/index.ts';
import { closeAgent, get } from '../lib/http.ts';
import { GATEWAY_NAME, gatewayYaml, routePath, routesYaml, serviceYaml } from '../lib/manifests.ts';
import { porticoRoot } from '../lib/portico.ts';
import { freePort } from '../lib/ports.ts';
import { makeTempDir, removeTempDir, rssMiB, sleep, start, stopAll } from '../lib/proc.ts';
import { fmt } from '../lib/stats.ts';
import { describe, gcAndDetail } from './inspect.ts';

const routes = Number(process.argv[2] ?? 5000), requests = Number(process.argv[3] ?? 2000), upstreamHost = process.argv[4] ?? '127.0.0.1';
const forwarding = !upstreamHost.startsWith('127.');
const GATEWAY = `default/${GATEWAY_NAME}`;
const log = { info: () => {}, warn: (m: string) => console.error(`config server: ${m}`) };

const ups = await Promise.all(['a', 'b', 'c'].map((name) => new Promise<{ name: string; port: number; server: http.Server }>((resolve, reject) => {
  const server = http.createServer({ keepAliveTimeout: 60_000 }, (_req, res) => res.end(name));
  server.once('error', (err) => reject(new Error(`cannot listen on ${upstreamHost}: ${err.message}; is this the test cluster's network namespace?`)));
  server.listen(0, upstreamHost, () => resolve({ name, port: (server.address() as { port: number }).port, server }));
})));
const dir = makeTempDir('portico-memory-proxy-');
let server: ConfigServer | null = null;
try {
  const port = await freePort(), adminPort = await freePort(), inspectPort = await freePort();
  const text = gatewayYaml(port) + ups.map((u) => serviceYaml(u.name, u.port).replace('["127.0.0.1"]', `["${upstreamHost}"]`)).join('') + routesYaml(routes, ups.map((u) => u.name));
  const config = translate(snapshotOf(parseManifests(text, 'generated.yaml').map((p) => p.object as KubeObject))).proxies.get(GATEWAY as never);
  if (!config) throw new Error(`translation gave no config for Gateway ${GATEWAY}`);

  const cert = await issue(['127.0.0.1', 'localhost'], null);
  writeFileSync(join(dir, 'ca.crt'), cert.caCert);
  writeFileSync(join(dir, 'token'), 'bench-token\n');
  server = new ConfigServer({
    cert,
    // Stands in for the API server's TokenReview: the token is the Gateway's proxy ServiceAccount's.
    reviewer: { review: async () => ({ authenticated: true, user: { username: proxyUser(GATEWAY) }, audiences: [PROXY_TOKEN_AUDIENCE] }) },
    serving: () => true,
    onChange: () => {},
    log,
  });
  const url = await server.listen('127.0.0.1', 0);
  server.publish([config]);

  const extra = (process.env.PORTICO_BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const proc = start('portico proxy', process.execPath, [...extra, `--inspect=127.0.0.1:${inspectPort}`, 'bin/portico.js', 'proxy',
    '--controller', url, '--gateway', GATEWAY, '--name', 'bench-0', '--token-file', join(dir, 'token'), '--ca-file', join(dir, 'ca.crt'),
    '--admin', `127.0.0.1:${adminPort}`, '--listen-address', '127.0.0.1', '--log-level', 'warn'], { cwd: porticoRoot(), ...(process.env.PORTICO_BENCH_TRACE ? { stdout: 1 } : {}) });
  await untilRouted(port, `${routePath(routes - 1)}/x`, proc.exited);
  const live = rssMiB(proc.pid);
  // Traffic over routes spread across the table, so every upstream pool is open and the router's paths are warm.
  for (let i = 0; i < requests; i++) {
    const r = await get(port, `${routePath(Math.floor((i * 7919) % routes))}/x`);
    if (r.status !== (forwarding ? 200 : 503)) throw new Error(`request ${i} got ${r.status}: ${r.body.slice(0, 200)}`);
  }
  await sleep(2000);
  const rss = rssMiB(proc.pid);
  const anon = anonMiB(proc.pid);
  // V8's memory reducer runs a few seconds after allocation stops: what a quiet proxy settles at.
  await sleep(Number(process.env.PORTICO_BENCH_IDLE_MS ?? 12_000));
  const idle = rssMiB(proc.pid);
  if (process.env.PORTICO_BENCH_HEAP) console.log(`before GC: ${describe(await gcAndDetail(inspectPort, false), fmt)}`);
  const after = await gcAndDetail(inspectPort);
  console.log(`portico proxy, ${routes} routes (config ${fmt(JSON.stringify(config).length / 2 ** 20, 1)} MiB of JSON)` +
    `${extra.length ? `, node ${extra.join(' ')}` : ''}: RSS ${fmt(live, 0)} MiB when live, ${fmt(rss, 0)} MiB after ${requests} requests${forwarding ? '' : ' (503s: loopback upstreams)'} ` +
    `(${fmt(anon, 0)} anonymous, ${fmt(rss - anon, 0)} file-backed: node's own code), ${fmt(idle, 0)} MiB 12 s later; ` +
    `${describe(after, fmt)}`);
} finally {
  await stopAll();
  await server?.close();
  removeTempDir(dir);
  for (const u of ups) u.server.close();
  closeAgent();
}

/** Until the last route answers as it should (200, or 503 with loopback upstreams), the proxy exits, or 2 minutes pass. */
async function untilRouted(port: number, path: string, exited: Promise<unknown>): Promise<void> {
  let gone = false;
  void exited.then(() => { gone = true; });
  const deadline = Date.now() + 120_000;
  let last = 'no answer';
  while (Date.now() < deadline && !gone) {
    const r = await get(port, path).catch((err: Error) => ({ status: 0, body: err.message }));
    if (r.status === (forwarding ? 200 : 503)) return;
    last = `${r.status} ${r.body.slice(0, 200)}`;
    await sleep(100);
  }
  throw new Error(`portico proxy: ${path} did not answer ${forwarding ? 200 : 503} ${gone ? '(the proxy exited)' : 'within 2 minutes'}; last: ${last}`);
}

/** The anonymous part of a process's RSS (heaps, stacks, JIT code); the rest is mapped files, mostly the node binary. */
function anonMiB(pid: number): number {
  const m = /^Anonymous:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'latin1'));
  return Number(m?.[1] ?? 0) / 1024;
}
