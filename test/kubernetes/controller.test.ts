// `portico controller --infrastructure host` against the real API server: status written with the right reasons and
// observedGeneration, traffic inside the namespace reaching the pods, route changes followed, other controllers'
// route status kept, and no write when nothing changed. Everything that touches 10.x addresses runs in the namespace.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { after, before, test } from 'node:test';
import { startCluster, waitFor, type Cluster } from '../cluster/cluster.ts';
import { CONTROLLER_NAME } from '../../src/api/gateway.ts';
import { echoBackend, echoRoute, gatewaySetup, httpGet, nodeInside, startController, startEcho, stop } from './helpers.ts';

const NS = 'portico-ctrl';
const CLASS = 'portico-ctrl';
const OTHER = 'example.com/other-controller';

const base = gatewaySetup(NS, CLASS) + echoBackend(NS, 2);

const route = (path: string) => echoRoute(NS, path);

type Condition = { type: string; status: string; reason: string; observedGeneration?: number; lastTransitionTime?: string };
type Obj = { metadata: { generation: number; resourceVersion: string }; status?: Record<string, unknown> };
type Parent = { controllerName: string; parentRef: { name: string }; conditions: Condition[] };

let cluster: Cluster;
let echo: ChildProcess | undefined;
let ctrl: ReturnType<typeof startController> | undefined;
let address = '';

const get = (kind: string, name: string, ns = true) => cluster.kubectlJson<Obj>([...(ns ? ['-n', NS] : []), 'get', kind, name]);
const cond = (list: unknown, type: string) => (list as Condition[] | undefined)?.find((c) => c.type === type);
const ourParent = (o: Obj) => (o.status?.parents as Parent[] | undefined)?.find((p) => p.controllerName === CONTROLLER_NAME);
/** waitFor, with the controller's log (as it is at the failure) in the error. */
const until = <T>(what: string, seconds: number, check: () => Promise<T | undefined>) =>
  waitFor(what, seconds, check).catch((err: Error) => {
    throw new Error(`${err.message}\ncontroller log:\n${ctrl?.log().slice(-4000)}`);
  });

before(async () => {
  cluster = await startCluster();
  // A run that was killed may have left its namespace behind (or still terminating): start clean.
  await cluster.kubectlRun(['delete', 'namespace', NS, '--wait=true', '--timeout=120s', '--ignore-not-found']);
  await cluster.kubectlRun(['apply', '-f', '-'], base + '---' + route('/'));
  await cluster.kubectlRun(['-n', NS, 'rollout', 'status', 'deployment/echo', '--timeout=180s']);
  const pods = await cluster.kubectlJson<{ items: { status: { podIP?: string } }[] }>(['-n', NS, 'get', 'pods', '-l', 'app=echo']);
  const ips = pods.items.map((p) => p.status.podIP!).filter(Boolean);
  assert.equal(ips.length, 2, `pod IPs: ${ips.join(', ')}`);
  echo = await startEcho(cluster, ips, 3000);
  ctrl = startController(cluster, ['--infrastructure', 'host', '--gateway-address-pool', '10.250.0.0/24', '--admin', '127.0.0.1:0']);
  await ctrl.adminUrl();
});

after(async () => {
  await stop(ctrl?.child);
  await stop(echo);
  if (cluster) {
    await cluster.kubectlRun(['delete', 'namespace', NS, '--wait=true', '--timeout=120s', '--ignore-not-found']).catch(() => {});
    await cluster.kubectlRun(['delete', 'gatewayclass', CLASS, '--ignore-not-found']).catch(() => {});
    await cluster.stop();
  }
});

test('GatewayClass is Accepted and lists the supported features', async () => {
  const gc = await until('GatewayClass Accepted', 120, async () => {
    const o = await get('gatewayclass', CLASS, false);
    return cond(o.status?.conditions, 'Accepted')?.status === 'True' ? o : undefined;
  });
  assert.equal(cond(gc.status?.conditions, 'Accepted')?.observedGeneration, gc.metadata.generation);
  assert.ok((gc.status?.supportedFeatures as { name: string }[]).some((f) => f.name === 'HTTPRoute'));
});

test('Gateway is Accepted and Programmed, with an address from the pool', async () => {
  const gw = await until('Gateway Programmed', 60, async () => {
    const o = await get('gateway', 'gw');
    return cond(o.status?.conditions, 'Programmed')?.status === 'True' ? o : undefined;
  });
  assert.equal(cond(gw.status?.conditions, 'Accepted')?.status, 'True');
  for (const t of ['Accepted', 'Programmed']) assert.equal(cond(gw.status?.conditions, t)?.observedGeneration, gw.metadata.generation);
  const addresses = gw.status?.addresses as { type: string; value: string }[];
  assert.equal(addresses.length, 1);
  assert.match(addresses[0]!.value, /^10\.250\.0\.\d+$/);
  address = addresses[0]!.value;
});

test('HTTPRoute parent is Accepted and ResolvedRefs under our controllerName', async () => {
  const r = await until('HTTPRoute ResolvedRefs', 60, async () => {
    const o = await get('httproute', 'r');
    return cond(ourParent(o)?.conditions, 'ResolvedRefs')?.status === 'True' ? o : undefined;
  });
  const p = ourParent(r)!;
  assert.equal(p.parentRef.name, 'gw');
  assert.equal(cond(p.conditions, 'Accepted')?.status, 'True');
  assert.equal(cond(p.conditions, 'Accepted')?.observedGeneration, r.metadata.generation);
});

test('a request to the Gateway address inside the namespace reaches a pod', async () => {
  assert.ok(address, 'the Gateway test found its address');
  const answer = await until('an answer from the echo', 30, async () => {
    const a = await httpGet(cluster, `http://${address}/hello`);
    return a.startsWith('200 ') ? a : undefined;
  });
  assert.match(answer, /^200 pod 10\.244\.\d+\.\d+ \/hello$/);
});

test('nothing is written when nothing changed, even when a rebuild runs', async () => {
  const admin = await ctrl!.adminUrl();
  const passes = async () => Number(/^portico_config_version (\d+)/m.exec(await nodeInside(cluster, `fetch('${admin}/metrics').then(r => r.text()).then(console.log)`))?.[1]);
  const before = await Promise.all([get('gatewayclass', CLASS, false), get('gateway', 'gw'), get('httproute', 'r')]);
  const n = await passes();
  // A ConfigMap is read by the translator, so it triggers a rebuild that changes no status.
  await cluster.kubectlRun(['-n', NS, 'create', 'configmap', 'nudge', '--from-literal=a=b']);
  await until('a rebuild after the ConfigMap', 30, async () => ((await passes()) > n ? true : undefined));
  const after = await Promise.all([get('gatewayclass', CLASS, false), get('gateway', 'gw'), get('httproute', 'r')]);
  assert.deepEqual(after.map((o) => o.metadata.resourceVersion), before.map((o) => o.metadata.resourceVersion));
});

test("a route change is followed (observedGeneration, traffic) and another controller's parent entry survives", async () => {
  const theirs = { parentRef: { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'elsewhere' }, controllerName: OTHER, conditions: [{ type: 'Accepted', status: 'False', reason: 'NotAllowedByListeners', message: 'theirs', observedGeneration: 1, lastTransitionTime: '2026-01-01T00:00:00Z' }] };
  await cluster.kubectlRun(['-n', NS, 'patch', 'httproute', 'r', '--subresource=status', '--type=json', '-p', JSON.stringify([{ op: 'add', path: '/status/parents/-', value: theirs }])]);
  const acceptedAt = cond(ourParent(await get('httproute', 'r'))?.conditions, 'Accepted')?.lastTransitionTime;

  await cluster.kubectlRun(['apply', '-f', '-'], route('/v2'));
  const r = await until('observedGeneration 2 on our parent', 60, async () => {
    const o = await get('httproute', 'r');
    return o.metadata.generation === 2 && cond(ourParent(o)?.conditions, 'Accepted')?.observedGeneration === 2 ? o : undefined;
  });
  const parents = r.status?.parents as Parent[];
  assert.deepEqual(parents.find((p) => p.controllerName === OTHER), theirs);
  assert.equal(parents.filter((p) => p.controllerName === CONTROLLER_NAME).length, 1);
  // observedGeneration changed, so the condition counts as changed and gets a new time (or the same second).
  assert.ok((cond(ourParent(r)?.conditions, 'Accepted')?.lastTransitionTime ?? '') >= (acceptedAt ?? ''));

  const moved = await until('traffic to follow the route', 30, async () => {
    const [v2, root] = await Promise.all([httpGet(cluster, `http://${address}/v2/x`), httpGet(cluster, `http://${address}/`)]);
    return v2.startsWith('200 ') && root.startsWith('404') ? { v2, root } : undefined;
  });
  assert.match(moved.v2, /^200 pod 10\.244\.\d+\.\d+ \/v2\/x$/);
});
