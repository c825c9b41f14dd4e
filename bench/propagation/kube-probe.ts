// The probe test in Kubernetes mode, run INSIDE the test cluster's network namespace (kubernetes.ts starts it there):
// `portico controller --infrastructure host` watches the real API server; HTTPRoutes are created through the API one
// at a time, each timed from the start of its POST to the first 200 through the Gateway. Prints one JSON line.
//   node bench/propagation/kube-probe.ts --kubeconfig PATH --existing 100,3000 --probes 20 --log FILE
import { spawn } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { KubeConfig } from '@kubernetes/client-node';
import { kubeClient } from '../../src/sources/kube-client.ts';
import { applyBenchBase, applyObject, benchRoute, GW } from '../lib/kube-objects.ts';
import { porticoRoot } from '../lib/portico.ts';
import { POLL_MS } from './probe.ts';
import { delta, meanMs, scrape } from '../lib/scrape.ts';

const NS = 'bench-propagation';
const CLASS = 'portico-bench';
/** A pod IP (local in the namespace) for the upstream, and the pool the Gateway's address comes from. */
const UPSTREAM = { host: '10.244.250.1', port: 8080 };
const POOL = '10.250.0.128/25';
const DEADLINE_MS = 15_000;

const { values } = parseArgs({
  options: {
    kubeconfig: { type: 'string' }, existing: { type: 'string', default: '100,3000' },
    probes: { type: 'string', default: '20' }, log: { type: 'string', default: '/dev/null' }, admin: { type: 'string', default: '127.0.0.1:9911' },
  },
});
const sizes = values.existing!.split(',').map(Number);
const probes = Number(values.probes);
// The Portico under test (--portico in bench/run.ts): its controller is what gets measured.
const repo = porticoRoot();
const kc = new KubeConfig();
kc.loadFromFile(values.kubeconfig!);
const api = kubeClient(kc);
const say = (m: string) => process.stderr.write(`kube-probe: ${m}\n`);

const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
function get(host: string, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host, port: 80, path, agent, timeout: 5000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

const apply = (path: string, o: Record<string, unknown>) => applyObject(api, path, o);
const route = (name: string, prefix: string) => benchRoute(NS, name, prefix);

async function until<T>(what: string, ms: number, f: () => Promise<T | undefined>): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  while (Date.now() < end) {
    try {
      const v = await f();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`);
}

async function setUp(): Promise<void> {
  await api.request('DELETE', `/api/v1/namespaces/${NS}`).catch(() => {});
  await until(`namespace ${NS} from an earlier run to go`, 120_000, async () => {
    try {
      await api.request('GET', `/api/v1/namespaces/${NS}`);
      return undefined;
    } catch (err) {
      return (err as { code?: number }).code === 404 ? true : undefined;
    }
  });
  await applyBenchBase(api, { ns: NS, gatewayClass: CLASS, upstream: UPSTREAM });
}

/** Creates routes r-from … r-(to-1), a few at a time, and waits until the last one answers. */
async function fill(address: string, from: number, to: number): Promise<void> {
  let next = from;
  const worker = async () => {
    while (next < to) {
      const i = next++;
      await apply(`/apis/${GW}/namespaces/${NS}/httproutes/r-${i}`, route(`r-${i}`, `/r/${i}`));
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  if (to > from) await until(`route r-${to - 1} to answer`, 120_000, async () => ((await get(address, `/r/${to - 1}/x`).catch(() => 0)) === 200 ? true : undefined));
}

/** Time to the first 200 (null: none before the deadline), and how long the API server took to answer the POST. */
async function probeOnce(address: string, name: string, prefix: string): Promise<{ ms: number | null; postMs: number }> {
  if ((await get(address, `${prefix}/x`).catch(() => 0)) === 200) throw new Error(`${prefix} answers 200 before its route exists`);
  const t0 = performance.now();
  const created = api.request('POST', `/apis/${GW}/namespaces/${NS}/httproutes`, route(name, prefix)).then(() => performance.now() - t0);
  for (;;) {
    if (performance.now() - t0 > DEADLINE_MS) return { ms: null, postMs: await created };
    if ((await get(address, `${prefix}/x`).catch(() => 0)) === 200) {
      const ms = performance.now() - t0;
      return { ms, postMs: await created };
    }
    // 1 ms apart, as in file mode: a tight loop took a core from the API server on a 2-core machine.
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

async function main(): Promise<void> {
  const upstream = http.createServer((_req, res) => res.end('ok'));
  await new Promise<void>((r) => upstream.listen(UPSTREAM.port, UPSTREAM.host, r));
  await setUp();
  const logFd = openSync(values.log!, 'a');
  const controller = spawn(process.execPath, [`${repo}bin/portico.js`, 'controller', '--kubeconfig', values.kubeconfig!, '--infrastructure', 'host',
    '--gateway-address-pool', POOL, '--gateway-class', CLASS, '--no-leader-elect', '--no-host-service', '--admin', values.admin!, '--log-level', process.env.PROBE_LOG_LEVEL ?? 'warn'],
    { stdio: ['ignore', logFd, logFd] });
  try {
    const address = await until('the Gateway to get an address and be Programmed', 60_000, async () => {
      const g = await api.request<{ status?: { addresses?: { value: string }[]; conditions?: { type: string; status: string }[] } }>('GET', `/apis/${GW}/namespaces/${NS}/gateways/bench`);
      const programmed = g.status?.conditions?.some((c) => c.type === 'Programmed' && c.status === 'True');
      return programmed ? g.status?.addresses?.[0]?.value : undefined;
    });
    say(`gateway at ${address}`);
    const rows: Row[] = [];
    let have = 0;
    for (const size of sizes) {
      say(`creating routes ${have}..${size - 1}`);
      await fill(address, have, size);
      have = size;
      await new Promise((r) => setTimeout(r, 2000));
      const timesMs: number[] = [];
      const postMs: number[] = [];
      let timeouts = 0;
      const adminPort = Number(values.admin!.split(':').pop());
      const before = await scrape(adminPort);
      for (let k = 0; k < probes; k++) {
        const t = await probeOnce(address, `probe-${size}-${k}`, `/probe/${size}/${k}`);
        if (t.ms === null) timeouts++;
        else timesMs.push(t.ms);
        postMs.push(t.postMs);
        await new Promise((r) => setTimeout(r, 50));
      }
      const after = await scrape(adminPort);
      rows.push({ existing: size, timesMs, postMs, timeouts, rssMiB: rss(controller.pid!),
        rebuilds: delta(before, after, 'portico_translate_duration_seconds_count'),
        translateMs: meanMs(before, after, 'portico_translate_duration_seconds'), applyMs: meanMs(before, after, 'portico_apply_duration_seconds') });
      say(`${size} routes: ${timesMs.length} timed, ${timeouts} timeouts`);
    }
    process.stdout.write(JSON.stringify({ rows }) + '\n');
  } finally {
    controller.kill('SIGTERM');
    await new Promise((r) => controller.once('exit', r));
    upstream.close();
    agent.destroy();
    await api.request('DELETE', `/api/v1/namespaces/${NS}`).catch(() => {});
    await api.request('DELETE', `/apis/${GW}/gatewayclasses/${CLASS}`).catch(() => {});
  }
}

type Row = { existing: number; timesMs: number[]; postMs: number[]; timeouts: number; rssMiB: number; rebuilds: number; translateMs: number; applyMs: number };

function rss(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
}

main().catch((err) => {
  say(`failed: ${(err as Error).stack ?? err}`);
  process.exit(1);
});
