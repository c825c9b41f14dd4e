// Memory of `portico controller --infrastructure host` (Kubernetes source, store, translation, status writer and the
// data plane in one process) watching the real API server of the test cluster while it holds ROUTES HTTPRoutes.
// Runs INSIDE the cluster's network namespace; the routes are created once and kept (--keep) so later runs only
// start the controller:
//   PORTICO_CLUSTER=m npm run cluster -- up
//   ip netns exec m node bench/memory/kube.ts --kubeconfig /tmp/portico-cluster/m/kubeconfig --routes 5000 [--keep]
// The controller starts through bin/portico.js (as the image does) with --inspect on loopback; once the last route
// answers and after SETTLE_MS of quiet, prints RSS (anonymous / file-backed), then heap and RSS after a forced GC.
// PORTICO_BENCH_NODE_ARGS adds node flags to the controller.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { parseArgs } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { kubeClient } from '../../src/sources/kube-client.ts';
import { applyBenchBase, applyObject, benchRoute, GW } from '../lib/kube-objects.ts';
import { porticoRoot } from '../lib/portico.ts';
import { freePort } from '../lib/ports.ts';
import { rssMiB, sleep, start, stopAll } from '../lib/proc.ts';
import { fmt } from '../lib/stats.ts';
import { describe, gcAndDetail } from './inspect.ts';

const NS = 'bench-memory';
const CLASS = 'portico-bench-memory';
/** A pod IP (local in the namespace) for the upstream, and the pool the Gateway's address comes from. */
const UPSTREAM = { host: '10.244.250.3', port: 8080 };
const POOL = '10.250.0.64/26';
const SETTLE_MS = 5000;

const { values } = parseArgs({
  options: { kubeconfig: { type: 'string' }, routes: { type: 'string', default: '5000' }, keep: { type: 'boolean', default: false } },
});
if (!values.kubeconfig) {
  console.error('usage: ip netns exec NETNS node bench/memory/kube.ts --kubeconfig PATH [--routes 5000] [--keep]');
  process.exit(2);
}
const routes = Number(values.routes);
const kc = new KubeConfig();
kc.loadFromFile(values.kubeconfig);
const api = kubeClient(kc);
const say = (m: string) => process.stderr.write(`memory-kube: ${m}\n`);
const apply = (path: string, o: Record<string, unknown>) => applyObject(api, path, o);

async function until<T>(what: string, ms: number, f: () => Promise<T | undefined>, everyMs = 200): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  while (Date.now() < end) {
    try {
      const v = await f();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    await sleep(everyMs);
  }
  throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`);
}

function get(host: string, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host, port: 80, path, agent: false, timeout: 5000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

/** Gateway, Service, EndpointSlice and ROUTES HTTPRoutes; only what is missing is created. */
async function setUp(): Promise<void> {
  await applyBenchBase(api, { ns: NS, gatewayClass: CLASS, upstream: UPSTREAM });
  const have = new Set((await api.request<{ items: { metadata: { name: string } }[] }>('GET', `/apis/${GW}/namespaces/${NS}/httproutes`)).items.map((r) => r.metadata.name));
  const todo = Array.from({ length: routes }, (_, i) => i).filter((i) => !have.has(`r-${i}`));
  say(`${have.size} routes exist; creating ${todo.length}`);
  const worker = async () => {
    for (let i = todo.shift(); i !== undefined; i = todo.shift()) {
      await apply(`/apis/${GW}/namespaces/${NS}/httproutes/r-${i}`, benchRoute(NS, `r-${i}`, `/r/${i}`));
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}

async function tearDown(): Promise<void> {
  await api.request('DELETE', `/api/v1/namespaces/${NS}`).catch(() => {});
  await api.request('DELETE', `/apis/${GW}/gatewayclasses/${CLASS}`).catch(() => {});
}

function anonMiB(pid: number): number {
  const m = /^Anonymous:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'latin1'));
  return Number(m?.[1] ?? 0) / 1024;
}

const upstream = http.createServer((_req, res) => res.end('ok'));
try {
  await new Promise<void>((r) => upstream.listen(UPSTREAM.port, UPSTREAM.host, r));
  await setUp();
  const inspectPort = await freePort(), adminPort = await freePort();
  const extra = (process.env.PORTICO_BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const proc = start('portico controller', process.execPath, [...extra, `--inspect=127.0.0.1:${inspectPort}`, 'bin/portico.js', 'controller',
    '--kubeconfig', values.kubeconfig, '--infrastructure', 'host', '--gateway-address-pool', POOL, '--gateway-class', CLASS,
    '--no-leader-elect', '--no-host-service', '--admin', `127.0.0.1:${adminPort}`, '--log-level', 'warn'], { cwd: porticoRoot() });
  const address = await until('the Gateway to get an address and be Programmed', 120_000, async () => {
    const g = await api.request<{ status?: { addresses?: { value: string }[]; conditions?: { type: string; status: string }[] } }>('GET', `/apis/${GW}/namespaces/${NS}/gateways/bench`);
    return g.status?.conditions?.some((c) => c.type === 'Programmed' && c.status === 'True') ? g.status?.addresses?.[0]?.value : undefined;
  });
  await until(`route r-${routes - 1} to answer`, 300_000, async () => ((await get(address, `/r/${routes - 1}/x`).catch(() => 0)) === 200 ? true : undefined));
  // Status writes for every route follow the first answer; let them finish so the steady state is measured.
  await until('every route to have status', 600_000, async () => {
    const list = await api.request<{ items: { status?: { parents?: unknown[] } }[] }>('GET', `/apis/${GW}/namespaces/${NS}/httproutes`);
    return list.items.every((r) => (r.status?.parents?.length ?? 0) > 0) ? true : undefined;
  }, 3000);
  await sleep(SETTLE_MS);
  const rss = rssMiB(proc.pid), anon = anonMiB(proc.pid);
  const after = await gcAndDetail(inspectPort);
  console.log(`portico controller (host), ${routes} HTTPRoutes${extra.length ? `, node ${extra.join(' ')}` : ''}: RSS ${fmt(rss, 0)} MiB ` +
    `(${fmt(anon, 0)} anonymous, ${fmt(rss - anon, 0)} file-backed); ${describe(after, fmt)}`);
} finally {
  await stopAll();
  upstream.close();
  if (!values.keep) await tearDown();
}
