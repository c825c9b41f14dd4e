// The Kubernetes source against a small fake API server on 127.0.0.1: list, watch, what reaches the store,
// and that status-only updates do not trigger a rebuild. The real API server is exercised in test/kubernetes/.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { collectionPath, RESOURCES, toStoreObject } from '../../src/sources/informers.ts';
import { kubeClient } from '../../src/sources/kube-client.ts';
import { KubernetesSource } from '../../src/sources/kubernetes.ts';
import { ResourceStore } from '../../src/sources/store.ts';
import { FakeApiServer, fakeKubeConfig, until } from './fake-api.ts';

const GW = 'gateway.networking.k8s.io';
const gateway = (extra: Record<string, unknown> = {}) => ({
  metadata: { name: 'gw', namespace: 'app', generation: 1, resourceVersion: '5', creationTimestamp: '2026-01-01T00:00:00Z', managedFields: [{ manager: 'kubectl' }] },
  spec: { gatewayClassName: 'portico', listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }] },
  ...extra,
});

let api: FakeApiServer;
let source: KubernetesSource;
const store = new ResourceStore();
let changes = 0;
const gatewaysPath = collectionPath(RESOURCES.find((r) => r.kind === 'Gateway')!);

before(async () => {
  api = new FakeApiServer();
  api.lists.set(gatewaysPath, [gateway({ status: { conditions: [] } })]);
  const kc = fakeKubeConfig(await api.start());
  source = new KubernetesSource({ client: kubeClient(kc), store, log: { info() {}, warn() {} }, onChange: () => changes++ });
  await source.start();
  // Every kind lists, and its watch is open, before events are sent.
  await until(() => [...api.watchers.values()].length === RESOURCES.length);
});

after(() => {
  source?.close();
  api?.close();
});

test('listed objects reach the store with kind and apiVersion, without status, resourceVersion or managedFields', () => {
  const g = store.get('Gateway/app/gw') as unknown as Record<string, unknown> & { metadata: Record<string, unknown> };
  assert.ok(g, 'the listed Gateway is in the store');
  assert.equal(g.kind, 'Gateway');
  assert.equal(g.apiVersion, `${GW}/v1`);
  assert.equal(g.status, undefined);
  assert.equal(g.metadata.resourceVersion, undefined);
  assert.equal(g.metadata.managedFields, undefined);
  assert.equal(g.metadata.generation, 1);
  assert.equal(changes, 1);
});

test('ReferenceGrant is watched at v1 when the API server serves it', () => {
  assert.ok(api.watchers.has(`/apis/${GW}/v1/referencegrants`));
  assert.ok(!api.watchers.has(`/apis/${GW}/v1beta1/referencegrants`));
});

test('a status-only update does not trigger a rebuild; a spec change does; a delete does', async () => {
  const before = changes;
  api.send(gatewaysPath, 'MODIFIED', { apiVersion: `${GW}/v1`, kind: 'Gateway', ...gateway({ status: { conditions: [{ type: 'Accepted' }] } }), metadata: { ...gateway().metadata, resourceVersion: '11' } });
  const changed = gateway();
  changed.metadata = { ...changed.metadata, generation: 2, resourceVersion: '12' };
  changed.spec = { ...changed.spec, listeners: [{ name: 'http', port: 8080, protocol: 'HTTP' }] };
  api.send(gatewaysPath, 'MODIFIED', { apiVersion: `${GW}/v1`, kind: 'Gateway', ...changed });
  await until(() => store.get('Gateway/app/gw')?.metadata.generation === 2);
  assert.equal(changes, before + 1, 'only the spec change counted');
  api.send(gatewaysPath, 'DELETED', { apiVersion: `${GW}/v1`, kind: 'Gateway', ...changed });
  await until(() => store.get('Gateway/app/gw') === undefined);
  assert.equal(changes, before + 2);
});

test("toStoreObject drops kubectl's last-applied-configuration copy, keeping other annotations", () => {
  const svc = RESOURCES.find((r) => r.kind === 'Service')!;
  const applied = JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's' } });
  const one = toStoreObject(svc, { metadata: { name: 's', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': applied, keep: 'me' } } });
  assert.deepEqual(one.metadata.annotations, { keep: 'me' });
  const only = toStoreObject(svc, { metadata: { name: 's', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': applied } } });
  assert.equal(only.metadata.annotations, undefined);
});

test('toStoreObject keeps labels, annotations and top-level fields (EndpointSlice endpoints)', () => {
  const slice = RESOURCES.find((r) => r.kind === 'EndpointSlice')!;
  const o = toStoreObject(slice, {
    metadata: { name: 's', namespace: 'a', labels: { 'kubernetes.io/service-name': 'echo' }, resourceVersion: '3' },
    addressType: 'IPv4', endpoints: [{ addresses: ['10.244.0.1'] }],
  }) as unknown as Record<string, unknown>;
  assert.deepEqual(o, {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
    metadata: { name: 's', namespace: 'a', labels: { 'kubernetes.io/service-name': 'echo' } },
    addressType: 'IPv4', endpoints: [{ addresses: ['10.244.0.1'] }],
  });
});

test("toStoreObject drops the payload of Helm's release Secrets, keeping the Secret and its type", () => {
  const secret = RESOURCES.find((r) => r.kind === 'Secret')!;
  const helm = toStoreObject(secret, { metadata: { name: 'sh.helm.release.v1.app.v3', namespace: 'a' }, type: 'helm.sh/release.v1', data: { release: 'H4sI'.repeat(1000) } });
  assert.deepEqual(helm, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'sh.helm.release.v1.app.v3', namespace: 'a' }, type: 'helm.sh/release.v1' });
  const tls = toStoreObject(secret, { metadata: { name: 'cert', namespace: 'a' }, type: 'kubernetes.io/tls', data: { 'tls.crt': 'Y2VydA==', 'tls.key': 'a2V5' } });
  assert.deepEqual((tls as unknown as { data: unknown }).data, { 'tls.crt': 'Y2VydA==', 'tls.key': 'a2V5' });
});
