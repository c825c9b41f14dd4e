// Leader election against the real API server: two `portico controller --infrastructure host` replicas, each serving
// the Gateway on an address of its own pool, so a status written by the wrong one shows as the wrong address.
// Exactly one holds the Lease and writes; a rebuild on both writes nothing; SIGTERM hands the Lease over at once,
// SIGKILL after it expires, and the new leader writes status for the next change.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startCluster, waitFor, type Cluster } from '../cluster/cluster.ts';
import { CONTROLLER_NAME } from '../../src/api/gateway.ts';
import { echoRoute, gatewaySetup, nodeInside, startController, stop } from './helpers.ts';

const NS = 'portico-leader';
const CLASS = 'portico-leader';
const LEASE = 'portico-leader-test';

const base = gatewaySetup(NS, CLASS) + `---
apiVersion: v1
kind: Service
metadata: {name: echo, namespace: ${NS}}
spec:
  ports: [{name: http, port: 80}]
`;

const route = (path: string) => echoRoute(NS, path);

type Condition = { type: string; status: string; observedGeneration?: number };
type Obj = { metadata: { generation: number; resourceVersion: string }; status?: Record<string, unknown> };
type Replica = ReturnType<typeof startController> & { name: string; pool: string; address: string };

let cluster: Cluster;
const replicas: Replica[] = [];

const get = (kind: string, name: string) => cluster.kubectlJson<Obj>(kind === 'gatewayclass' ? ['get', kind, name] : ['-n', NS, 'get', kind, name]);
const holder = async () => (await cluster.kubectlJson<{ spec: { holderIdentity?: string } }>(['-n', NS, 'get', 'lease', LEASE])).spec.holderIdentity ?? '';
const isHolder = (r: Replica, h: string) => h.endsWith(`_${r.child.pid}`);
const cond = (list: unknown, type: string) => (list as Condition[] | undefined)?.find((c) => c.type === type);
const gatewayAddress = async () => ((await get('gateway', 'gw')).status?.addresses as { value: string }[] | undefined)?.[0]?.value;
const passes = async (r: Replica) =>
  Number(/^portico_config_version (\d+)/m.exec(await nodeInside(cluster, `fetch('${await r.adminUrl()}/metrics').then(r => r.text()).then(console.log)`))?.[1]);
/** waitFor, with every replica's log in the error. */
const until = <T>(what: string, seconds: number, check: () => Promise<T | undefined>) =>
  waitFor(what, seconds, check).catch((err: Error) => {
    throw new Error(`${err.message}\n${replicas.map((r) => `--- ${r.name} (pid ${r.child.pid}) log:\n${r.log().slice(-3000)}`).join('\n')}`);
  });

function startReplica(name: string, pool: string, address: string): Replica {
  const r = { name, pool, address, ...startController(cluster, ['--infrastructure', 'host', '--gateway-address-pool', pool, '--admin', '127.0.0.1:0', '--lease-namespace', NS, '--lease-name', LEASE]) };
  replicas.push(r);
  return r;
}

/** Waits until one replica holds the Lease and returns it, with the others. */
async function leaderAmong(candidates: Replica[]): Promise<{ leader: Replica; followers: Replica[] }> {
  const h = await until('a Lease holder among the replicas', 90, async () => {
    const h = await holder().catch(() => '');
    return candidates.some((r) => isHolder(r, h)) ? h : undefined;
  });
  const leader = candidates.find((r) => isHolder(r, h))!;
  return { leader, followers: candidates.filter((r) => r !== leader) };
}

/** Applies the route with `path` and waits for our parent entry to carry its generation. */
async function changeRouteAndWait(path: string): Promise<Obj> {
  const generation = (await get('httproute', 'r')).metadata.generation;
  await cluster.kubectlRun(['apply', '-f', '-'], route(path));
  return until(`observedGeneration ${generation + 1} for the route with ${path}`, 60, async () => {
    const o = await get('httproute', 'r');
    const ours = (o.status?.parents as { controllerName: string; conditions: Condition[] }[] | undefined)?.find((p) => p.controllerName === CONTROLLER_NAME);
    return o.metadata.generation === generation + 1 && cond(ours?.conditions, 'Accepted')?.observedGeneration === generation + 1 ? o : undefined;
  });
}

before(async () => {
  cluster = await startCluster();
  await cluster.kubectlRun(['delete', 'namespace', NS, '--wait=true', '--timeout=120s', '--ignore-not-found']);
  await cluster.kubectlRun(['apply', '-f', '-'], base + '---' + route('/'));
  startReplica('a', '10.250.0.64/27', '10.250.0.65');
  startReplica('b', '10.250.0.96/27', '10.250.0.97');
  await Promise.all(replicas.map((r) => r.adminUrl()));
});

after(async () => {
  await Promise.all(replicas.map((r) => stop(r.child)));
  if (cluster) {
    await cluster.kubectlRun(['delete', 'namespace', NS, '--wait=true', '--timeout=120s', '--ignore-not-found']).catch(() => {});
    await cluster.kubectlRun(['delete', 'gatewayclass', CLASS, '--ignore-not-found']).catch(() => {});
    await cluster.stop();
  }
});

test('exactly one of two replicas holds the Lease and writes status; the other serves and follows', async () => {
  const { leader, followers } = await leaderAmong(replicas);
  const gw = await until('Gateway Programmed', 60, async () => {
    const o = await get('gateway', 'gw');
    return cond(o.status?.conditions, 'Programmed')?.status === 'True' ? o : undefined;
  });
  assert.deepEqual(gw.status?.addresses, [{ type: 'IPAddress', value: leader.address }], "the leader's address, never the follower's");
  assert.match(leader.log(), /became the leader/);
  for (const f of followers) {
    await until(`${f.name} to log that it follows`, 30, async () => (f.log().includes(`is held by ${await holder()}`) ? true : undefined));
    assert.doesNotMatch(f.log(), /status written|became the leader/);
  }
});

test('status is written once per change: a rebuild on both replicas leaves every resourceVersion as it was', async () => {
  await changeRouteAndWait('/v2');
  const objects = () => Promise.all([get('gatewayclass', CLASS), get('gateway', 'gw'), get('httproute', 'r')]);
  const before = (await objects()).map((o) => o.metadata.resourceVersion);
  const counts = await Promise.all(replicas.map(passes));
  // A ConfigMap is read by the translator: both replicas rebuild, and neither may write (no ping-pong).
  await cluster.kubectlRun(['-n', NS, 'create', 'configmap', 'nudge', '--from-literal=a=b']);
  await until('a rebuild on both replicas', 30, async () => ((await Promise.all(replicas.map(passes))).every((n, i) => n > counts[i]!) ? true : undefined));
  assert.deepEqual((await objects()).map((o) => o.metadata.resourceVersion), before);
});

test('SIGTERM: the leader releases the Lease, the other takes over at once and writes status', async () => {
  const { leader, followers } = await leaderAmong(replicas);
  const next = followers[0]!;
  await stop(leader.child);
  replicas.splice(replicas.indexOf(leader), 1);
  assert.match(leader.log(), /released the lease portico-leader\/portico-leader-test/);
  // Before the 15 s a crashed leader's Lease takes, though no time is asserted (a loaded machine may be slow).
  await leaderAmong([next]);
  // On gaining the Lease it writes the whole status: the Gateway address becomes its own without any change.
  await until("the new leader's address in the Gateway status", 60, async () => ((await gatewayAddress()) === next.address ? true : undefined));
  await changeRouteAndWait('/v3');
  assert.match(next.log(), /became the leader/);
});

test('SIGKILL: a standby takes over once the Lease expires and writes status for the next change', async () => {
  const c = startReplica('c', '10.250.0.128/27', '10.250.0.129');
  await c.adminUrl();
  const { leader } = await leaderAmong(replicas);
  assert.notEqual(leader, c, 'the running leader keeps the Lease when a replica joins');
  await until('c to follow', 60, async () => (/following: the lease/.test(c.log()) ? true : undefined));
  leader.child.kill('SIGKILL');
  await new Promise((r) => leader.child.once('exit', r));
  replicas.splice(replicas.indexOf(leader), 1);
  await leaderAmong([c]);
  await until("c's address in the Gateway status", 60, async () => ((await gatewayAddress()) === c.address ? true : undefined));
  await changeRouteAndWait('/v4');
});
