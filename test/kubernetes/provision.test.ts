// `portico controller --infrastructure kubernetes` against the real API server: per Gateway a ServiceAccount,
// Deployment and Service with the Gateway's labels, annotations and an owner reference; a parametersRef ConfigMap
// sets replicas and Service type; a Gateway change updates them; a replica that does not lead creates nothing; and
// deleting the Gateway removes them through the garbage collector of kube-controller-manager. No proxy runs here
// (kwok pods never execute), so Gateways stay Programmed=False/Pending with the Service's cluster IP as address.
// Controllers are limited with --gateway-class to this file's classes: the cluster is shared with other tests.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startCluster, waitFor, type Cluster } from '../cluster/cluster.ts';
import { CONTROLLER_NAME } from '../../src/api/gateway.ts';
import { nodeInside, startController, stop } from './helpers.ts';

const NS = 'portico-prov';
const CLASS = 'portico-prov';
const FOLLOWER_CLASS = 'portico-prov-follower';
const GW_LABEL = 'gateway.networking.k8s.io/gateway-name';

const gateway = (opts: { name?: string; cls?: string; ports?: number[]; labels?: Record<string, string>; params?: string } = {}) => `
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: ${opts.name ?? 'gw'}, namespace: ${NS}}
spec:
  gatewayClassName: ${opts.cls ?? CLASS}
  listeners: ${JSON.stringify((opts.ports ?? [80]).map((port) => ({ name: `l${port}`, port, protocol: 'HTTP' })))}
  infrastructure:
    labels: ${JSON.stringify(opts.labels ?? { team: 'payments' })}
    annotations: {example.com/owner: payments-oncall}
    ${opts.params ? `parametersRef: {group: "", kind: ConfigMap, name: ${opts.params}}` : ''}
`;

const base = `
apiVersion: v1
kind: Namespace
metadata: {name: ${NS}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: ${CLASS}}
spec: {controllerName: ${CONTROLLER_NAME}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: ${FOLLOWER_CLASS}}
spec: {controllerName: ${CONTROLLER_NAME}}
---
${gateway()}
`;

type Meta = { name: string; uid: string; labels?: Record<string, string>; annotations?: Record<string, string>; ownerReferences?: { kind: string; name: string; uid: string; controller?: boolean }[] };
type Obj = { metadata: Meta; spec: Record<string, any>; status?: Record<string, any> };
type Condition = { type: string; status: string; reason: string; message: string };

let cluster: Cluster;
let leader: ReturnType<typeof startController> | undefined;
let follower: ReturnType<typeof startController> | undefined;

const get = (kind: string, name: string) => cluster.kubectlJson<Obj>(['-n', NS, 'get', kind, name]);
const exists = async (kind: string, name: string) => (await cluster.kubectlRun(['-n', NS, 'get', kind, name, '--ignore-not-found', '-o', 'name'])).trim() !== '';
const cond = (o: Obj, type: string) => (o.status?.conditions as Condition[] | undefined)?.find((c) => c.type === type);
const until = <T>(what: string, seconds: number, check: () => Promise<T | undefined>) =>
  waitFor(what, seconds, check).catch((err: Error) => {
    throw new Error(`${err.message}\nleader log:\n${leader?.log().slice(-3000)}\nfollower log:\n${follower?.log().slice(-2000)}`);
  });
const apply = (yaml: string) => cluster.kubectlRun(['apply', '-f', '-'], yaml);

before(async () => {
  cluster = await startCluster();
  await cluster.kubectlRun(['delete', 'namespace', NS, '--wait=true', '--timeout=120s', '--ignore-not-found']);
  await apply(base);
  leader = startController(cluster, [
    '--infrastructure', 'kubernetes', '--proxy-config-listen', '127.0.0.1:0', '--gateway-class', CLASS, '--admin', '127.0.0.1:0',
    '--lease-namespace', NS, '--lease-name', 'portico-prov-leader', '--proxy-image', 'portico:test',
  ]);
  await leader.adminUrl();
});

after(async () => {
  await stop(leader?.child);
  await stop(follower?.child);
  if (cluster) {
    await cluster.kubectlRun(['delete', 'namespace', NS, '--wait=true', '--timeout=120s', '--ignore-not-found']).catch(() => {});
    await cluster.kubectlRun(['delete', 'gatewayclass', CLASS, FOLLOWER_CLASS, '--ignore-not-found']).catch(() => {});
    await cluster.stop();
  }
});

test('a Gateway gets a ServiceAccount, Deployment and Service with its labels, annotations and owner reference', async () => {
  const gw = await get('gateway', 'gw');
  const objs = await until('the proxy objects', 60, async () => {
    const all = await Promise.all(['serviceaccount', 'deployment', 'service', 'configmap'].map(async (k) => ((await exists(k, 'gw-portico')) ? get(k, 'gw-portico') : undefined)));
    return all.every(Boolean) ? (all as Obj[]) : undefined;
  });
  for (const o of objs) {
    assert.equal(o.metadata.labels?.[GW_LABEL], 'gw');
    assert.equal(o.metadata.labels?.team, 'payments');
    assert.equal(o.metadata.annotations?.['example.com/owner'], 'payments-oncall');
    assert.deepEqual(o.metadata.ownerReferences?.map((r) => [r.kind, r.name, r.uid, r.controller]), [['Gateway', 'gw', gw.metadata.uid, true]]);
  }
  const [, deployment, service, caMap] = objs as [Obj, Obj, Obj, Obj & { data: Record<string, string> }];
  // The config server's CA, which the proxies mount beside their projected token.
  assert.match(caMap.data['ca.crt']!, /^-----BEGIN CERTIFICATE-----/);
  const volume = deployment.spec.template.spec.volumes[0].projected.sources;
  assert.deepEqual(volume[0].serviceAccountToken, { audience: 'portico-proxy', expirationSeconds: 600, path: 'token' });
  assert.equal(volume[1].configMap.name, 'gw-portico');
  assert.equal(deployment.spec.replicas, 1);
  assert.equal(deployment.spec.template.spec.serviceAccountName, 'gw-portico');
  assert.equal(deployment.spec.template.metadata.labels.team, 'payments');
  assert.deepEqual(deployment.spec.template.spec.containers[0].args.slice(0, 3), ['proxy', '--controller', 'portico.portico-system.svc:9902']);
  assert.equal(deployment.spec.template.spec.containers[0].image, 'portico:test');
  assert.equal(service.spec.type, 'LoadBalancer');
  assert.deepEqual(service.spec.ports.map((p: { port: number }) => p.port), [80]);

  // No load balancer and no proxy here: the cluster IP is the address, and Programmed waits for the proxies.
  const status = await until('Gateway address and Pending', 60, async () => {
    const o = await get('gateway', 'gw');
    return o.status?.addresses?.length ? o : undefined;
  });
  assert.deepEqual(status.status!.addresses, [{ type: 'IPAddress', value: service.spec.clusterIP }]);
  assert.equal(cond(status, 'Accepted')?.status, 'True');
  assert.equal(cond(status, 'Programmed')?.status, 'False');
  assert.equal(cond(status, 'Programmed')?.reason, 'Pending');
  assert.match(cond(status, 'Programmed')!.message, /Deployment portico-prov\/gw-portico/);
});

test('a parametersRef ConfigMap sets replicas and Service type, and its changes are followed', async () => {
  await apply(`apiVersion: v1\nkind: ConfigMap\nmetadata: {name: proxy-params, namespace: ${NS}}\ndata: {replicas: "2", serviceType: ClusterIP}\n`);
  await apply(gateway({ params: 'proxy-params' }));
  await until('replicas 2 and a ClusterIP Service', 60, async () => {
    const [d, s] = await Promise.all([get('deployment', 'gw-portico'), get('service', 'gw-portico')]);
    return d.spec.replicas === 2 && s.spec.type === 'ClusterIP' ? true : undefined;
  });
  // kube-controller-manager acts on it: two pods (kwok marks them Ready; nothing runs in them).
  await until('two proxy pods', 90, async () => {
    const pods = await cluster.kubectlJson<{ items: unknown[] }>(['-n', NS, 'get', 'pods', '-l', `${GW_LABEL}=gw`]);
    return pods.items.length === 2 ? true : undefined;
  });
  await apply(`apiVersion: v1\nkind: ConfigMap\nmetadata: {name: proxy-params, namespace: ${NS}}\ndata: {replicas: "3", serviceType: ClusterIP, resources: "requests: {cpu: 50m}"}\n`);
  const d = await until('replicas 3 with resources', 60, async () => {
    const o = await get('deployment', 'gw-portico');
    return o.spec.replicas === 3 ? o : undefined;
  });
  assert.equal(d.spec.template.spec.containers[0].resources.requests.cpu, '50m');
});

test('malformed parameters reject the Gateway with InvalidParameters and leave its proxies as they were', async () => {
  await apply(`apiVersion: v1\nkind: ConfigMap\nmetadata: {name: proxy-params, namespace: ${NS}}\ndata: {replicas: "many"}\n`);
  const gw = await until('Accepted=False InvalidParameters', 60, async () => {
    const o = await get('gateway', 'gw');
    return cond(o, 'Accepted')?.reason === 'InvalidParameters' ? o : undefined;
  });
  assert.equal(cond(gw, 'Accepted')?.status, 'False');
  assert.match(cond(gw, 'Accepted')!.message, /ConfigMap portico-prov\/proxy-params key replicas is "many"; use a whole number/);
  assert.equal((await get('deployment', 'gw-portico')).spec.replicas, 3);
  await apply(`apiVersion: v1\nkind: ConfigMap\nmetadata: {name: proxy-params, namespace: ${NS}}\ndata: {replicas: "1"}\n`);
  await until('Accepted again', 60, async () => (cond(await get('gateway', 'gw'), 'Accepted')?.status === 'True' ? true : undefined));
});

test('a Gateway change updates its objects: a new listener port, labels replaced', async () => {
  await apply(gateway({ params: 'proxy-params', ports: [80, 8080], labels: { tier: 'edge' } }));
  const s = await until('port 8080 and the new labels on the Service', 60, async () => {
    const o = await get('service', 'gw-portico');
    return o.spec.ports.length === 2 && o.metadata.labels?.tier === 'edge' ? o : undefined;
  });
  assert.deepEqual(s.spec.ports.map((p: { port: number }) => p.port), [80, 8080]);
  assert.equal(s.metadata.labels?.team, undefined, 'a label dropped from spec.infrastructure is dropped from the objects');
  assert.equal(s.metadata.labels?.[GW_LABEL], 'gw');
  const d = await get('deployment', 'gw-portico');
  assert.equal(d.spec.replicas, 1);
  assert.equal(d.spec.template.metadata.labels.tier, 'edge');
  assert.ok(d.spec.template.spec.containers[0].ports.some((p: { containerPort: number }) => p.containerPort === 8080));
});

test('a proxy Deployment deleted or edited by hand is put back at once, not at the next re-apply', async () => {
  const before = await get('deployment', 'gw-portico');
  await cluster.kubectlRun(['-n', NS, 'delete', 'deployment', 'gw-portico', '--wait=false']);
  const back = await until('the Deployment to come back', 60, async () => {
    const o = await get('deployment', 'gw-portico').catch(() => undefined);
    return o && o.metadata.uid !== before.metadata.uid ? o : undefined;
  });
  assert.equal(back.metadata.labels?.[GW_LABEL], 'gw');
  await cluster.kubectlRun(['-n', NS, 'scale', 'deployment', 'gw-portico', '--replicas=5']);
  await until('the replicas to be set back to 1', 60, async () => ((await get('deployment', 'gw-portico')).spec.replicas === 1 ? true : undefined));
  assert.match(leader!.log(), /was deleted; applying the Gateway's proxy objects again/);
});

test('a replica that does not hold the lease creates nothing', async () => {
  // A Lease held by someone else for an hour: this replica follows for the whole test.
  const now = new Date().toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
  await apply(`apiVersion: coordination.k8s.io/v1\nkind: Lease\nmetadata: {name: portico-prov-held, namespace: ${NS}}\n` +
    `spec: {holderIdentity: someone-else, leaseDurationSeconds: 3600, acquireTime: "${now}", renewTime: "${now}"}\n`);
  await apply(gateway({ name: 'gw2', cls: FOLLOWER_CLASS }));
  follower = startController(cluster, [
    '--infrastructure', 'kubernetes', '--proxy-config-listen', '127.0.0.1:0', '--gateway-class', FOLLOWER_CLASS, '--admin', '127.0.0.1:0',
    '--lease-namespace', NS, '--lease-name', 'portico-prov-held',
  ]);
  const admin = await follower.adminUrl();
  // Its first pass is done once /config lists gw2 and the pass counter moved: a leader would have provisioned by then.
  await until('the follower to translate gw2', 60, async () => {
    const out = await nodeInside(cluster, `Promise.all([fetch('${admin}/config').then(r => r.text()), fetch('${admin}/metrics').then(r => r.text())]).then(([c, m]) => console.log(JSON.stringify({ c, m })))`);
    const { c, m } = JSON.parse(out) as { c: string; m: string };
    return c.includes(`${NS}/gw2`) && Number(/^portico_config_version (\d+)/m.exec(m)?.[1]) > 0 ? true : undefined;
  });
  assert.match(follower.log(), /following: the lease portico-prov\/portico-prov-held is held by someone-else/);
  for (const kind of ['serviceaccount', 'deployment', 'service']) assert.equal(await exists(kind, 'gw2-portico'), false, `${kind} gw2-portico`);
  // The other controller is limited to its own class: gw2 is not its to provision or remove.
  assert.equal(await exists('deployment', 'gw2-portico'), false);
  assert.equal(await exists('deployment', 'gw-portico'), true);
  await stop(follower.child);
});

test('deleting the Gateway removes its objects through the garbage collector', async () => {
  // The controller is stopped first, so only the owner references can remove them.
  await stop(leader!.child);
  await cluster.kubectlRun(['-n', NS, 'delete', 'gateway', 'gw', '--wait=true']);
  await until('the proxy objects to be collected', 120, async () => {
    const left = await Promise.all(['serviceaccount', 'deployment', 'service', 'configmap'].map((k) => exists(k, 'gw-portico')));
    return left.some(Boolean) ? undefined : true;
  });
});
