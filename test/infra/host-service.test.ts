// --infrastructure host: the Service and EndpointSlice that stand for a Gateway served on this host, built purely
// and applied by the publisher against a fake API client.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Gateway } from '../../src/api/gateway.ts';
import { HostServicePublisher, hostServiceObjects } from '../../src/infra/host-service.ts';
import { RESYNC_MS, type ApiClient } from '../../src/infra/kubernetes.ts';
import type { GatewayKey, ProxyConfig } from '../../src/ir/types.ts';

type Any = Record<string, any>;

const gateway = (infra?: Gateway['spec']['infrastructure'], name = 'gw'): Gateway => ({
  apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway',
  metadata: { name, namespace: 'apps', uid: `uid-${name}`, generation: 1 },
  spec: { gatewayClassName: 'portico', listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }], ...(infra ? { infrastructure: infra } : {}) },
});
const config = (addresses: string[], name = 'gw'): ProxyConfig => ({
  gateway: `apps/${name}` as GatewayKey, version: 'v1', addresses, backends: {},
  listeners: [
    { protocol: 'HTTP', port: 8080, hosts: [] },
    { protocol: 'HTTP', port: 80, hosts: [] },
    { protocol: 'UDP', port: 80, listener: 'dns', backends: [] } as unknown as ProxyConfig['listeners'][number],
  ],
});

test('a Gateway with an address gets a selectorless Service and an EndpointSlice, labelled from spec.infrastructure', () => {
  const g = gateway({ labels: { team: 'a', 'gateway.networking.k8s.io/gateway-name': 'spoof' }, annotations: { note: 'x' } });
  const o = hostServiceObjects(g, config(['10.250.0.7']))! as unknown as { service: Any; endpointSlices: Any[] };
  assert.equal(o.service.metadata.name, 'gw-portico');
  assert.equal(o.service.spec.selector, undefined, 'no selector: the endpoints are the host, not pods');
  assert.deepEqual(o.service.spec.ports, [
    { name: 'tcp-80', protocol: 'TCP', port: 80, targetPort: 80 },
    { name: 'udp-80', protocol: 'UDP', port: 80, targetPort: 80 },
    { name: 'tcp-8080', protocol: 'TCP', port: 8080, targetPort: 8080 },
  ]);
  assert.equal(o.endpointSlices.length, 1);
  const slice = o.endpointSlices[0]!;
  assert.equal(slice.addressType, 'IPv4');
  assert.deepEqual(slice.endpoints, [{ addresses: ['10.250.0.7'], conditions: { ready: true } }]);
  assert.equal(slice.metadata.labels['kubernetes.io/service-name'], 'gw-portico');
  for (const obj of [o.service, slice]) {
    assert.equal(obj.metadata.labels.team, 'a');
    assert.equal(obj.metadata.labels['gateway.networking.k8s.io/gateway-name'], 'gw', 'ours win over spec.infrastructure');
    assert.deepEqual(obj.metadata.annotations, { note: 'x' });
    assert.deepEqual(obj.metadata.ownerReferences, [{ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', name: 'gw', uid: 'uid-gw', controller: true }]);
    // The API server refuses an object whose label value breaks this rule (a slash, say): 422, nothing applied.
    for (const [name, value] of Object.entries(obj.metadata.labels as Record<string, string>)) {
      assert.match(value, /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/, `label ${name}=${value}`);
      assert.ok(value.length <= 63, `label ${name}=${value} is longer than 63 characters`);
    }
  }
});

test('IPv4 and IPv6 addresses go to one EndpointSlice each; no address, no objects', () => {
  const o = hostServiceObjects(gateway(), config(['10.250.0.7', 'fd00::7']))!;
  assert.deepEqual(o.endpointSlices.map((s) => (s as Any).addressType), ['IPv4', 'IPv6']);
  assert.equal(hostServiceObjects(gateway(), config([])), null, 'bound on all interfaces: nothing to point at');
});

function fakeApi(objects: Record<string, Any> = {}) {
  const calls: string[] = [];
  const client: ApiClient = {
    async request<T>(method: string, path: string, body?: unknown): Promise<T> {
      const bare = path.split('?')[0]!;
      calls.push(`${method} ${bare}`);
      if (method === 'PATCH') return (objects[bare] = body as Any) as T;
      if (method === 'GET') {
        const kind = bare.endsWith('/services') ? 'Service' : 'EndpointSlice';
        return { items: Object.values(objects).filter((o) => o.kind === kind) } as T;
      }
      if (method === 'DELETE') {
        delete objects[bare];
        return {} as T;
      }
      throw new Error(`unexpected ${method} ${bare}`);
    },
  };
  return { client, calls, objects };
}

test('the publisher applies once, skips unchanged passes, and sweeps objects of Gateways no longer served', async () => {
  let now = 0;
  const api = fakeApi();
  const publisher = new HostServicePublisher(api.client, () => now);
  const all = () => true;
  const first = await publisher.sync([{ gateway: gateway(), config: config(['10.250.0.7']) }], all);
  assert.deepEqual(first, { applied: ['apps/gw'], deleted: [], errors: [] });
  assert.deepEqual(api.calls.filter((c) => c.startsWith('PATCH')), [
    'PATCH /api/v1/namespaces/apps/services/gw-portico', 'PATCH /apis/discovery.k8s.io/v1/namespaces/apps/endpointslices/gw-portico-ipv4',
  ]);

  api.calls.length = 0;
  await publisher.sync([{ gateway: gateway(), config: config(['10.250.0.7']) }], all);
  assert.deepEqual(api.calls, [], 'an unchanged pass costs no API call');

  // A selector-bearing Service (a kubernetes-mode proxy) and another controller's Gateway are left alone.
  api.objects['/api/v1/namespaces/apps/services/k8s-portico'] = {
    kind: 'Service', metadata: { name: 'k8s-portico', namespace: 'apps', ownerReferences: [{ kind: 'Gateway', name: 'k8s' }] }, spec: { selector: { a: 'b' } },
  };
  const theirs = hostServiceObjects(gateway(undefined, 'theirs'), config(['10.250.0.8'], 'theirs'))!;
  api.objects['/api/v1/namespaces/apps/services/theirs-portico'] = theirs.service as Any;
  now = RESYNC_MS + 1;
  const gone = await publisher.sync([], (_ns, name) => name !== 'theirs');
  assert.deepEqual(gone.deleted, ['Service apps/gw-portico', 'EndpointSlice apps/gw-portico-ipv4']);
  assert.ok(api.objects['/api/v1/namespaces/apps/services/k8s-portico']);
  assert.ok(api.objects['/api/v1/namespaces/apps/services/theirs-portico']);
});

test('a refused apply is reported with what to grant, and retried on the next pass', async () => {
  const client: ApiClient = {
    async request() {
      throw Object.assign(new Error('forbidden'), { code: 403 });
    },
  };
  const publisher = new HostServicePublisher(client);
  const report = await publisher.sync([{ gateway: gateway(), config: config(['10.250.0.7']) }], () => true);
  assert.equal(report.applied.length, 0);
  assert.match(report.errors[0]!, /cannot apply Service apps\/gw-portico .*grant the controller's account get, list, patch and delete on services, or run with --host-service=false/);
});
