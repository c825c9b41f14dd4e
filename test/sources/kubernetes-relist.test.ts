// The Kubernetes source's list and watch against the fake API server: paged lists, a re-list when the API server
// expires our resourceVersion (objects the new list lacks leave the store), and watching on from a bookmark.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { collectionPath, RESOURCES } from '../../src/sources/informers.ts';
import { kubeClient } from '../../src/sources/kube-client.ts';
import { KubernetesSource } from '../../src/sources/kubernetes.ts';
import { ResourceStore } from '../../src/sources/store.ts';
import { FakeApiServer, fakeKubeConfig, until } from './fake-api.ts';

const GW = 'gateway.networking.k8s.io';
const routesPath = collectionPath(RESOURCES.find((r) => r.kind === 'HTTPRoute')!);
const route = (name: string, rv = '5') => ({
  metadata: { name, namespace: 'app', generation: 1, resourceVersion: rv, creationTimestamp: '2026-01-01T00:00:00Z', managedFields: [{ manager: 'kubectl' }] },
  spec: { parentRefs: [{ name: 'gw' }] },
});
const routeCount = (store: ResourceStore) => store.snapshot().httpRoutes.length;
const watchesOf = (api: FakeApiServer) => api.requests.filter((r) => r.startsWith(`${routesPath}?`) && r.includes('watch=true'));
const listsOf = (api: FakeApiServer) => api.requests.filter((r) => r.startsWith(`${routesPath}?`) && !r.includes('watch=true'));

let api: FakeApiServer;
let source: KubernetesSource;
const store = new ResourceStore();
let changes = 0;
const infos: string[] = [];

before(async () => {
  api = new FakeApiServer();
  api.lists.set(routesPath, Array.from({ length: 1200 }, (_, i) => route(`r-${i}`)));
  const kc = fakeKubeConfig(await api.start());
  source = new KubernetesSource({ client: kubeClient(kc), store, log: { info: (m) => void infos.push(m), warn() {} }, onChange: () => changes++, retryMs: 10 });
  await source.start();
  await until(() => (api.watchers.get(routesPath)?.length ?? 0) === 1);
});

after(() => {
  source?.close();
  api?.close();
});

test('a long list is read in pages, and the watch starts from its resourceVersion with bookmarks', () => {
  assert.equal(routeCount(store), 1200);
  assert.deepEqual(listsOf(api), [`${routesPath}?limit=500`, `${routesPath}?limit=500&continue=500`, `${routesPath}?limit=500&continue=1000`]);
  const [watch] = watchesOf(api);
  const q = new URL(watch!, 'http://x').searchParams;
  assert.equal(q.get('resourceVersion'), '10');
  assert.equal(q.get('allowWatchBookmarks'), 'true');
});

test('a watch that ends is opened again from the last bookmark, without a list', async () => {
  const listsBefore = listsOf(api).length;
  api.send(routesPath, 'BOOKMARK', { apiVersion: `${GW}/v1`, kind: 'HTTPRoute', metadata: { resourceVersion: '15' } });
  for (const w of api.watchers.get(routesPath) ?? []) w.end();
  await until(() => watchesOf(api).length === 2 && (api.watchers.get(routesPath)?.length ?? 0) === 1);
  assert.equal(new URL(watchesOf(api)[1]!, 'http://x').searchParams.get('resourceVersion'), '15');
  assert.equal(listsOf(api).length, listsBefore, 'no list');
  assert.equal(routeCount(store), 1200);
});

test('an expired resourceVersion makes the source list again; objects the new list lacks leave the store', async () => {
  const before = changes;
  api.version = '20';
  api.lists.set(routesPath, [route('r-0'), route('r-new')]);
  api.expire(routesPath);
  await until(() => routeCount(store) === 2 && (api.watchers.get(routesPath)?.length ?? 0) === 1);
  assert.deepEqual(store.snapshot().httpRoutes.map((r) => r.metadata.name), ['r-0', 'r-new']);
  assert.equal(changes, before + 1200, '1199 deletes and one add');
  assert.equal(new URL(watchesOf(api).at(-1)!, 'http://x').searchParams.get('resourceVersion'), '20');
  assert.deepEqual(source.errors(), []);
});

test('events after a re-list still reach the store', async () => {
  api.send(routesPath, 'ADDED', { apiVersion: `${GW}/v1`, kind: 'HTTPRoute', ...route('r-late', '21') });
  await until(() => routeCount(store) === 3);
  api.send(routesPath, 'DELETED', { apiVersion: `${GW}/v1`, kind: 'HTTPRoute', ...route('r-0', '22') });
  await until(() => routeCount(store) === 2);
  assert.deepEqual(store.snapshot().httpRoutes.map((r) => r.metadata.name), ['r-late', 'r-new']);
});

test('a refused list is reported by errors() and retried until it succeeds', async () => {
  api.refused.set(routesPath, 403);
  api.expire(routesPath);
  await until(() => source.errors().length === 1);
  assert.match(source.errors()[0]!, /^cannot list\/watch HTTPRoute at http:\/\/127\.0\.0\.1:\d+\/apis\/gateway\.networking\.k8s\.io\/v1\/httproutes: GET .*403 httproutes is forbidden; retrying in \d+s$/);
  assert.equal(routeCount(store), 2, 'the store keeps what it had');
  api.refused.delete(routesPath);
  await until(() => source.errors().length === 0 && (api.watchers.get(routesPath)?.length ?? 0) === 1);
  assert.equal(routeCount(store), 2);
});

test('a 429 (storage of a new CRD still initializing) is retried quietly, and counts as failing only when it goes on', async () => {
  infos.length = 0;
  api.refused.set(routesPath, 429);
  api.expire(routesPath);
  await until(() => infos.length >= 2);
  assert.deepEqual(source.errors(), [], 'not failing after one or two 429s');
  await until(() => source.errors().length === 1);
  assert.ok(infos.length >= 3);
  api.refused.delete(routesPath);
  await until(() => source.errors().length === 0 && (api.watchers.get(routesPath)?.length ?? 0) === 1);
  assert.equal(routeCount(store), 2);
});
