// --infrastructure kubernetes without a cluster: the pure object builders, the ConfigMap parameters, the Gateway
// status the controller derives, and the provisioner's API calls against a fake client.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ConfigMap } from '../../src/api/core.ts';
import type { Gateway } from '../../src/api/gateway.ts';
import { finalizeProvisioned } from '../../src/cli/controller-kubernetes.ts';
import { KubernetesProvisioner, RESYNC_MS, type ApiClient, type ProvisionOutcome, type SyncInputs } from '../../src/infra/kubernetes.ts';
import { awaitingLoadBalancer, proxyName, proxyObjects, serviceAddresses } from '../../src/infra/proxy-objects.ts';
import { DEFAULT_PARAMS, proxyParams } from '../../src/infra/proxy-params.ts';
import type { GatewayKey, ProxyConfig } from '../../src/ir/types.ts';
import type { StatusSnapshot } from '../../src/status/types.ts';

const IMAGE = { image: 'portico:test', controllerAddress: 'portico.portico-system.svc:9902' };

const gateway = (infra?: Gateway['spec']['infrastructure'], name = 'gw'): Gateway => ({
  apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway',
  metadata: { name, namespace: 'apps', uid: 'uid-1', generation: 3 },
  spec: { gatewayClassName: 'portico', listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }], ...(infra ? { infrastructure: infra } : {}) },
});
const config = (ports = [80]): ProxyConfig => ({
  gateway: 'apps/gw' as GatewayKey, version: 'v1', addresses: [], backends: {},
  listeners: ports.map((port) => ({ protocol: 'HTTP', port, hosts: [] })),
});
const cm = (data: Record<string, string>, name = 'params'): ConfigMap => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'apps' }, data });
type Any = Record<string, any>;

test('proxy names are DNS-1035 labels, unique per Gateway name', () => {
  assert.equal(proxyName('gw'), 'gw-portico');
  assert.equal(proxyName('a.b'), 'a-b-portico');
  assert.equal(proxyName('1st'), 'gw-1st-portico');
  const long = proxyName('x'.repeat(70));
  assert.ok(long.length <= 63 && /^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(long), long);
  assert.notEqual(proxyName('x'.repeat(70)), proxyName('x'.repeat(71)));
});

test('the three objects carry the gateway-name label, infrastructure labels and annotations, and a controller ownerRef', () => {
  const g = gateway({ labels: { team: 'a', 'gateway.networking.k8s.io/gateway-name': 'spoof' }, annotations: { note: 'x' } });
  const o = proxyObjects(g, config([80, 8080]), DEFAULT_PARAMS, IMAGE) as unknown as Record<string, Any>;
  for (const obj of [o.serviceAccount!, o.deployment!, o.service!]) {
    assert.equal(obj.metadata.name, 'gw-portico');
    assert.equal(obj.metadata.namespace, 'apps');
    assert.equal(obj.metadata.labels['gateway.networking.k8s.io/gateway-name'], 'gw', 'ours win over spec.infrastructure.labels');
    assert.equal(obj.metadata.labels.team, 'a');
    assert.deepEqual(obj.metadata.annotations, { note: 'x' });
    assert.deepEqual(obj.metadata.ownerReferences, [{ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', name: 'gw', uid: 'uid-1', controller: true }]);
  }
  const d = o.deployment!;
  assert.equal(d.spec.replicas, 1);
  assert.deepEqual(d.spec.selector.matchLabels, { 'gateway.networking.k8s.io/gateway-name': 'gw', 'app.kubernetes.io/name': 'portico-proxy' });
  assert.equal(d.spec.template.metadata.labels.team, 'a');
  assert.deepEqual(d.spec.template.metadata.annotations, { note: 'x' });
  assert.equal(d.spec.template.spec.serviceAccountName, 'gw-portico');
  const c = d.spec.template.spec.containers[0];
  assert.equal(c.image, 'portico:test');
  assert.deepEqual(c.args.slice(0, 5), ['proxy', '--controller', 'portico.portico-system.svc:9902', '--gateway', 'apps/gw']);
  assert.deepEqual(c.ports.map((p: Any) => p.containerPort), [80, 8080, 9901]);
  assert.equal(c.resources, undefined);
  assert.deepEqual(c.env.map((e: Any) => e.name), ['POD_NAME'], 'no PORTICO_NODE_OPTIONS: bin/portico.js applies its defaults');
  const s = o.service!;
  assert.equal(s.spec.type, 'LoadBalancer');
  assert.deepEqual(s.spec.selector, d.spec.selector.matchLabels);
  assert.deepEqual(s.spec.ports, [{ protocol: 'TCP', port: 80, name: 'http-80', targetPort: 80 }, { protocol: 'TCP', port: 8080, name: 'http-8080', targetPort: 8080 }]);
  assert.equal(o.serviceAccount!.automountServiceAccountToken, false);
});

test('parameters set replicas, Service type and resources', () => {
  const g = gateway({ parametersRef: { group: '', kind: 'ConfigMap', name: 'params' } });
  const p = proxyParams(g, [cm({ replicas: '3', serviceType: 'ClusterIP', resources: 'requests: {cpu: 100m, memory: 64Mi}\nlimits: {memory: 1Gi}' })]);
  assert.ok('params' in p);
  assert.deepEqual(p.params, { replicas: 3, serviceType: 'ClusterIP', resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { memory: '1Gi' } } });
  const o = proxyObjects(g, config(), p.params, IMAGE) as unknown as Record<string, Any>;
  assert.equal(o.deployment!.spec.replicas, 3);
  assert.equal(o.service!.spec.type, 'ClusterIP');
  assert.deepEqual(o.deployment!.spec.template.spec.containers[0].resources, p.params.resources);
  assert.deepEqual(proxyParams(gateway(), []), { params: DEFAULT_PARAMS });
});

test('nodeOptions becomes the proxy container\'s PORTICO_NODE_OPTIONS (NODE_OPTIONS refuses these flags)', () => {
  const g = gateway({ parametersRef: { group: '', kind: 'ConfigMap', name: 'params' } });
  const p = proxyParams(g, [cm({ nodeOptions: ' --max-semi-space-size=2  --heap-growing-percent=30 --optimize-for-size\n' })]);
  assert.ok('params' in p);
  assert.equal(p.params.nodeOptions, '--max-semi-space-size=2 --heap-growing-percent=30 --optimize-for-size');
  const o = proxyObjects(g, config(), p.params, IMAGE) as unknown as Record<string, Any>;
  const env = o.deployment!.spec.template.spec.containers[0].env as Any[];
  assert.deepEqual(env.find((e) => e.name === 'PORTICO_NODE_OPTIONS'), { name: 'PORTICO_NODE_OPTIONS', value: '--max-semi-space-size=2 --heap-growing-percent=30 --optimize-for-size' });
  assert.equal(env.find((e) => e.name === 'NODE_OPTIONS'), undefined);
  const empty = proxyParams(g, [cm({ nodeOptions: '  ' })]);
  assert.ok('params' in empty && empty.params.nodeOptions === undefined);
});

test('bad parameters say what is wrong, where, and what to do', () => {
  const ref = (kind = 'ConfigMap', group = '') => gateway({ parametersRef: { group, kind, name: 'params' } });
  const err = (g: Gateway, maps: ConfigMap[]) => {
    const p = proxyParams(g, maps);
    assert.ok('error' in p, 'expected an error');
    return p.error;
  };
  assert.match(err(ref('GatewayParams', 'portico.dev'), []), /portico\.dev\/GatewayParams params.*use \{group: "", kind: ConfigMap/);
  assert.match(err(ref(), []), /ConfigMap apps\/params, which does not exist; create it/);
  assert.match(err(ref(), [cm({ replicas: 'two' })]), /ConfigMap apps\/params key replicas is "two"; use a whole number/);
  assert.match(err(ref(), [cm({ replicas: '-1' })]), /whole number/);
  assert.match(err(ref(), [cm({ serviceType: 'External' })]), /serviceType is "External"; use one of LoadBalancer, ClusterIP, NodePort/);
  assert.match(err(ref(), [cm({ replica: '2' })]), /unknown key\(s\) replica; Portico reads replicas/);
  assert.match(err(ref(), [cm({ resources: 'requests: [' })]), /key resources: is not valid YAML/);
  assert.match(err(ref(), [cm({ resources: 'requests: {cpu: lots}' })]), /requests\.cpu is "lots", not a quantity/);
  assert.match(err(ref(), [cm({ resources: 'cpu: 1' })]), /has key cpu; use requests and\/or limits/);
  assert.match(err(ref(), [cm({ nodeOptions: '--max-semi-space-size=2 --require=/tmp/x.js' })]), /key nodeOptions has "--require=\/tmp\/x\.js"; it takes V8 heap flags only/);
  assert.match(err(ref(), [cm({ nodeOptions: '--max-old-space-size=lots' })]), /nodeOptions has "--max-old-space-size=lots"/);
  // A ConfigMap of the same name in another namespace is not the Gateway's.
  assert.match(err(ref(), [{ ...cm({}), metadata: { name: 'params', namespace: 'other' } }]), /does not exist/);
});

test('addresses come from load-balancer ingress, else the cluster IP', () => {
  assert.deepEqual(serviceAddresses({ spec: { type: 'LoadBalancer', clusterIP: '10.96.0.5' }, status: { loadBalancer: { ingress: [{ ip: '203.0.113.7' }, { hostname: 'lb.example.com' }] } } }),
    [{ type: 'IPAddress', value: '203.0.113.7' }, { type: 'Hostname', value: 'lb.example.com' }]);
  const pending = { spec: { type: 'LoadBalancer', clusterIP: '10.96.0.5', clusterIPs: ['10.96.0.5'] }, status: { loadBalancer: {} } };
  assert.deepEqual(serviceAddresses(pending), [{ type: 'IPAddress', value: '10.96.0.5' }]);
  assert.equal(awaitingLoadBalancer(pending), true);
  assert.deepEqual(serviceAddresses({ spec: { clusterIP: 'None' } }), []);
  assert.deepEqual(serviceAddresses({ spec: { clusterIP: '10.96.0.5', externalIPs: ['198.51.100.4'] } }), [{ type: 'IPAddress', value: '198.51.100.4' }]);
  assert.equal(awaitingLoadBalancer({ spec: { type: 'ClusterIP' } }), false);
});

test('spec.addresses of type IPAddress become the Service external IPs; others are not', () => {
  const g = gateway();
  g.spec.addresses = [{ type: 'IPAddress', value: '198.51.100.4' }, { value: '198.51.100.5' }, { type: 'Hostname', value: 'gw.example.com' }];
  const { service } = proxyObjects(g, config(), DEFAULT_PARAMS, IMAGE) as unknown as Any;
  assert.deepEqual(service.spec.externalIPs, ['198.51.100.4', '198.51.100.5']);
  const plain = proxyObjects(gateway(), config(), DEFAULT_PARAMS, IMAGE) as unknown as Any;
  assert.equal(plain.service.spec.externalIPs, undefined);
});

test('a UDP listener gets UDP ports, and may share its number with a TCP listener', () => {
  const cfg: ProxyConfig = {
    ...config(), listeners: [
      { protocol: 'TCP', port: 5300, listener: 'tcp', route: null },
      { protocol: 'UDP', port: 5300, listener: 'udp', route: null },
    ],
  };
  const o = proxyObjects(gateway(), cfg, DEFAULT_PARAMS, IMAGE) as unknown as Record<string, Any>;
  assert.deepEqual(o.service.spec.ports.map((p: Any) => [p.name, p.protocol, p.port]), [['tcp-5300', 'TCP', 5300], ['udp-5300', 'UDP', 5300]]);
  const container = o.deployment.spec.template.spec.containers[0];
  const names = container.ports.map((p: Any) => p.name);
  assert.equal(new Set(names).size, names.length, 'container port names are unique');
  assert.ok(container.ports.some((p: Any) => p.protocol === 'UDP' && p.containerPort === 5300));
});

const gatewayStatus = (): StatusSnapshot => [{
  apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', namespace: 'apps', name: 'gw', generation: 3,
  status: {
    conditions: [
      { type: 'Accepted', status: 'True', reason: 'Accepted', message: 'ok', observedGeneration: 3 },
      { type: 'Programmed', status: 'True', reason: 'Programmed', message: 'generated', observedGeneration: 3 },
    ],
    listeners: [{ name: 'http', supportedKinds: [], attachedRoutes: 0, conditions: [{ type: 'Programmed', status: 'True', reason: 'Programmed', message: 'x', observedGeneration: 3 }] }],
  },
}];
const finalized = (o: ProvisionOutcome | null) => {
  const s = finalizeProvisioned(gatewayStatus(), o ? new Map([['apps/gw' as GatewayKey, o]]) : null)[0]!;
  assert.equal(s.kind, 'Gateway');
  const st = s.status as Any;
  const c = (t: string) => st.conditions.find((x: Any) => x.type === t);
  return { st, accepted: c('Accepted'), programmed: c('Programmed'), listener: st.listeners[0].conditions.find((x: Any) => x.type === 'Programmed') };
};

test('status: addresses from the Service, Programmed=False/Pending until the proxies report the config live', () => {
  const f = finalized({ state: 'provisioned', deployment: 'apps/gw-portico', params: DEFAULT_PARAMS, addresses: [{ type: 'IPAddress', value: '10.96.0.5' }] });
  assert.deepEqual(f.st.addresses, [{ type: 'IPAddress', value: '10.96.0.5' }]);
  assert.equal(f.programmed.status, 'False');
  assert.equal(f.programmed.reason, 'Pending');
  assert.match(f.programmed.message, /Deployment apps\/gw-portico/);
  assert.equal(f.listener.reason, 'Pending');
  const none = finalized({ state: 'provisioned', deployment: 'apps/gw-portico', params: DEFAULT_PARAMS, addresses: [] });
  assert.equal(none.programmed.reason, 'AddressNotAssigned');
  assert.equal(none.st.addresses, undefined);
});

test('status: invalid parameters reject the Gateway; API failures and followers stay Pending', () => {
  const bad = finalized({ state: 'invalid-parameters', message: 'ConfigMap apps/params key replicas is "x"' });
  assert.equal(bad.accepted.status, 'False');
  assert.equal(bad.accepted.reason, 'InvalidParameters');
  assert.match(bad.accepted.message, /replicas is "x"/);
  assert.equal(bad.programmed.reason, 'Invalid');
  const failed = finalized({ state: 'failed', message: 'Service apps/gw-portico already exists and is not owned by this Gateway' });
  assert.equal(failed.programmed.reason, 'Pending');
  assert.match(failed.programmed.message, /not owned by this Gateway; retrying/);
  const follower = finalized(null);
  assert.equal(follower.programmed.reason, 'Pending');
  assert.match(follower.programmed.message, /leader/);
});

const inputs = (services: Any[] = [], mayRemove = (_ns: string, _name: string) => true): SyncInputs =>
  ({ configMaps: [], services: services as unknown as SyncInputs['services'], mayRemove });

/** A fake API server: records calls, serves `objects` by path. */
function fakeApi(objects: Record<string, Any> = {}) {
  const calls: string[] = [];
  const client: ApiClient = {
    async request<T>(method: string, path: string, body?: unknown): Promise<T> {
      calls.push(`${method} ${path.split('?')[0]}`);
      const bare = path.split('?')[0]!;
      if (method === 'PATCH') {
        const o = body as Any;
        objects[bare] = o.kind === 'Service' ? { ...o, metadata: { ...o.metadata, uid: 'svc-uid' }, spec: { ...o.spec, clusterIP: '10.96.0.9' } } : o;
        return objects[bare] as T;
      }
      if (method === 'GET' && path.includes('labelSelector')) return { items: Object.values(objects).filter((o) => path.startsWith(`/api/v1/services`) ? o.kind === 'Service' : false) } as T;
      if (method === 'GET' && objects[bare]) return objects[bare] as T;
      if (method === 'DELETE') {
        delete objects[bare];
        return {} as T;
      }
      throw Object.assign(new Error(`${method} ${bare}: 404`), { code: 404 });
    },
  };
  return { client, calls, objects };
}

test('the provisioner applies the three objects server-side and reports the Service address', async () => {
  const api = fakeApi();
  const report = await new KubernetesProvisioner(api.client, IMAGE).sync([{ gateway: gateway(), config: config() }], inputs());
  assert.deepEqual(report.outcomes.get('apps/gw' as GatewayKey), { state: 'provisioned', deployment: 'apps/gw-portico', params: DEFAULT_PARAMS, addresses: [{ type: 'IPAddress', value: '10.96.0.9' }] });
  assert.deepEqual(api.calls.filter((c) => c.startsWith('PATCH')), [
    'PATCH /api/v1/namespaces/apps/serviceaccounts/gw-portico', 'PATCH /api/v1/namespaces/apps/services/gw-portico', 'PATCH /apis/apps/v1/namespaces/apps/deployments/gw-portico',
  ]);
  assert.equal(report.retry, 'later', 'a LoadBalancer without ingress is looked at again');
});

test("the provisioner leaves another owner's object alone and says what to do", async () => {
  const api = fakeApi({ '/api/v1/namespaces/apps/services/gw-portico': { kind: 'Service', metadata: { name: 'gw-portico', namespace: 'apps' } } });
  const report = await new KubernetesProvisioner(api.client, IMAGE).sync([{ gateway: gateway(), config: config() }], inputs());
  const o = report.outcomes.get('apps/gw' as GatewayKey)!;
  assert.equal(o.state, 'failed');
  assert.match((o as { message: string }).message, /Service apps\/gw-portico already exists and is not owned by this Gateway; delete or rename it/);
  assert.equal(api.calls.filter((c) => c.startsWith('PATCH')).length, 0);
  assert.equal(report.retry, 'soon');
});

test('the sweep deletes proxies of Gateways no longer served, only where the caller may judge them', async () => {
  const svc = (gw: string) => ({ kind: 'Service', metadata: { name: `${gw}-portico`, namespace: 'apps', ownerReferences: [{ kind: 'Gateway', name: gw, uid: 'u' }] } });
  const api = fakeApi({ '/api/v1/namespaces/apps/services/old-portico': svc('old'), '/api/v1/namespaces/apps/services/theirs-portico': svc('theirs') });
  const report = await new KubernetesProvisioner(api.client, IMAGE).sync([], inputs([], (_ns, name) => name !== 'theirs'));
  assert.deepEqual(report.deleted, ['Service apps/old-portico']);
  assert.ok(api.objects['/api/v1/namespaces/apps/services/theirs-portico']);
});

test('an unchanged Gateway costs no API call until its Service changes or the resync time passes', async () => {
  const api = fakeApi();
  let now = 1_000_000;
  const p = new KubernetesProvisioner(api.client, IMAGE, () => now);
  const params = gateway({ parametersRef: { group: '', kind: 'ConfigMap', name: 'params' } });
  const desired = [{ gateway: params, config: config() }];
  const clusterIp = { ...inputs(), configMaps: [cm({ serviceType: 'ClusterIP' })] };
  await p.sync(desired, clusterIp);
  const service = { apiVersion: 'v1', kind: 'Service', spec: {}, metadata: { name: 'gw-portico', namespace: 'apps', uid: 'svc-uid' } };
  const calls = api.calls.length;
  const again = await p.sync(desired, { ...clusterIp, services: [service] as unknown as SyncInputs['services'] });
  assert.equal(api.calls.length, calls, api.calls.slice(calls).join(', '));
  assert.equal(again.outcomes.get('apps/gw' as GatewayKey)?.state, 'provisioned');
  // The Service was replaced behind our back (another uid): applied again at once.
  await p.sync(desired, { ...clusterIp, services: [{ ...service, metadata: { ...service.metadata, uid: 'new' } }] as unknown as SyncInputs['services'] });
  assert.ok(api.calls.length > calls);
  const after = api.calls.length;
  now += RESYNC_MS;
  await p.sync(desired, { ...clusterIp, services: [service] as unknown as SyncInputs['services'] });
  assert.ok(api.calls.slice(after).some((c) => c.startsWith('PATCH')), 'applied again after the resync time');
});
