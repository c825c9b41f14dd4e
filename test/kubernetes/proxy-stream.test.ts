// `portico proxy` fed by `portico controller --infrastructure kubernetes` against the real API server. kwok pods never
// run, so the proxy runs as a process inside the cluster's network namespace, with the token a pod would have
// (`kubectl create token <gateway>-portico --audience portico-proxy`) and the CA from the Gateway's ConfigMap. It binds
// its listeners on a Gateway-range address, where the test sends traffic.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startCluster, waitFor, type Cluster } from '../cluster/cluster.ts';
import { echoBackend, echoRoute, gatewaySetup, httpGet, startController, startEcho, stop } from './helpers.ts';

const NS = 'portico-pstream';
const CLASS = 'portico-pstream';
/** A Gateway-range address no other test file uses. */
const ADDRESS = '10.250.0.211';
const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

const base = gatewaySetup(NS, CLASS) + `---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: other, namespace: ${NS}}
spec:
  gatewayClassName: ${CLASS}
  listeners: [{name: http, port: 8080, protocol: HTTP}]
` + echoBackend(NS, 1);

type Condition = { type: string; status: string; reason: string; message: string };
type Obj = { status?: { conditions?: Condition[] }; data?: Record<string, string> };

let cluster: Cluster;
let echo: ChildProcess | undefined;
let ctrl: ReturnType<typeof startController> | undefined;
let proxy: Proc | undefined;
let controllerUrl = '';
let dir = '';

type Proc = { child: ChildProcess; log: () => string };

const until = <T>(what: string, seconds: number, check: () => Promise<T | undefined>) =>
  waitFor(what, seconds, check).catch((err: Error) => {
    throw new Error(`${err.message}\ncontroller log:\n${ctrl?.log().slice(-3000)}\nproxy log:\n${proxy?.log().slice(-3000)}`);
  });

function startProxy(tokenFile: string, caFile: string): Proc {
  const child = cluster.spawnIn(process.execPath, [MAIN, 'proxy', '--controller', controllerUrl, '--gateway', `${NS}/gw`, '--name', 'proxy-a',
    '--token-file', tokenFile, '--ca-file', caFile, '--admin', '127.0.0.1:0', '--listen-address', ADDRESS], { stdio: ['ignore', 'ignore', 'pipe'] });
  let text = '';
  child.stderr!.on('data', (d: Buffer) => (text += d.toString()));
  return { child, log: () => text };
}

const file = (name: string, content: string) => {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
};
const token = async (sa: string) => (await cluster.kubectlRun(['-n', NS, 'create', 'token', sa, '--audience', 'portico-proxy', '--duration', '10m'])).trim();

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'portico-pstream-'));
  cluster = await startCluster();
  await cluster.kubectlRun(['delete', 'namespace', NS, '--wait=true', '--timeout=120s', '--ignore-not-found']);
  await cluster.kubectlRun(['apply', '-f', '-'], base + '---' + echoRoute(NS, '/'));
  await cluster.kubectlRun(['-n', NS, 'rollout', 'status', 'deployment/echo', '--timeout=180s']);
  const pods = await cluster.kubectlJson<{ items: { status: { podIP?: string } }[] }>(['-n', NS, 'get', 'pods', '-l', 'app=echo']);
  echo = await startEcho(cluster, pods.items.map((p) => p.status.podIP!).filter(Boolean), 3000);
  ctrl = startController(cluster, [
    '--infrastructure', 'kubernetes', '--proxy-config-listen', '127.0.0.1:0', '--proxy-controller-address', '127.0.0.1:9902',
    '--gateway-class', CLASS, '--admin', '127.0.0.1:0', '--lease-namespace', NS, '--lease-name', 'portico-pstream',
  ]);
  controllerUrl = await until('the config server', 60, async () => /config server for proxies on (https:\/\/[\d.]+:\d+)/.exec(ctrl!.log())?.[1]);
});

after(async () => {
  await stop(proxy?.child);
  await stop(ctrl?.child);
  await stop(echo);
  if (dir) rmSync(dir, { recursive: true, force: true });
  if (cluster) {
    await cluster.kubectlRun(['delete', 'namespace', NS, '--wait=true', '--timeout=120s', '--ignore-not-found']).catch(() => {});
    await cluster.kubectlRun(['delete', 'gatewayclass', CLASS, '--ignore-not-found']).catch(() => {});
    await cluster.stop();
  }
});

/** The CA file from the Gateway's ConfigMap, as the pod would mount it. */
async function caFile(): Promise<string> {
  const cm = await until('the CA ConfigMap gw-portico', 60, async () => (await cluster.kubectlJson<Obj>(['-n', NS, 'get', 'configmap', 'gw-portico'])).data?.['ca.crt']);
  return file('ca.crt', cm);
}

test('a proxy without a valid token, or with another Gateway\'s, is refused and says why', async () => {
  const ca = await caFile();
  await until('the other Gateway\'s ServiceAccount', 60, async () => (await cluster.kubectlRun(['-n', NS, 'get', 'sa', 'other-portico', '--ignore-not-found', '-o', 'name'])).trim() || undefined);
  const cases: [string, string, RegExp][] = [
    ['empty', '', /answered 401: no bearer token/],
    ['forged', 'not-a-token', /answered 401: the token was not accepted by the API server/],
    ['other', await token('other-portico'), /answered 403: system:serviceaccount:portico-pstream:other-portico may not read the config of Gateway portico-pstream\/gw/],
  ];
  for (const [name, value, want] of cases) {
    const p = startProxy(file(`token-${name}`, value), ca);
    try {
      await until(`the ${name} token to be refused`, 60, async () => (want.test(p.log()) ? true : undefined));
    } finally {
      await stop(p.child);
    }
  }
  assert.match(ctrl!.log(), /refused proxy proxy-a for Gateway portico-pstream\/gw/);
});

test('with its own token the proxy gets the config, serves traffic and makes the Gateway Programmed', async () => {
  proxy = startProxy(file('token', await token('gw-portico')), await caFile());
  await until('the proxy to be ready', 60, async () => (/is live; ready/.test(proxy!.log()) ? true : undefined));
  assert.match(await httpGet(cluster, `http://${ADDRESS}/hello`), /^200 pod [\d.]+ \/hello$/);
  const gw = await until('Programmed=True', 60, async () => {
    const o = await cluster.kubectlJson<Obj>(['-n', NS, 'get', 'gateway', 'gw']);
    return o.status?.conditions?.find((c) => c.type === 'Programmed')?.status === 'True' ? o : undefined;
  });
  assert.equal(gw.status!.conditions!.find((c) => c.type === 'Programmed')!.reason, 'Programmed');
  // The other Gateway has no proxy connected: it stays Pending and says so.
  const other = await cluster.kubectlJson<Obj>(['-n', NS, 'get', 'gateway', 'other']);
  const p = other.status?.conditions?.find((c) => c.type === 'Programmed');
  assert.equal(p?.reason, 'Pending');
  assert.match(p!.message, /no proxy is connected/);
});

test('a route change reaches the proxy', async () => {
  await cluster.kubectlRun(['apply', '-f', '-'], echoRoute(NS, '/v2'));
  await until('/v2 only', 60, async () => ((await httpGet(cluster, `http://${ADDRESS}/hello`)).startsWith('404') ? true : undefined));
  assert.match(await httpGet(cluster, `http://${ADDRESS}/v2/x`), /^200 pod [\d.]+ \/v2\/x$/);
});

test('with the controller stopped the proxy keeps serving its last config', async () => {
  await stop(ctrl!.child);
  await until('the proxy to notice', 60, async () => (/dialling again/.test(proxy!.log()) ? true : undefined));
  assert.match(await httpGet(cluster, `http://${ADDRESS}/v2/still`), /^200 pod [\d.]+ \/v2\/still$/);
});
