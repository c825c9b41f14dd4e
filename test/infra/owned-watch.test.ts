// The watch on provisioned proxy objects, against the fake API server: a Deployment or ServiceAccount deleted, or a
// Deployment's spec edited by someone else, makes its Gateway's objects be applied again; status updates and
// objects Portico does not manage do not; an expired watch lists again and goes on.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { OwnedObjectWatch } from '../../src/infra/owned-watch.ts';
import { GATEWAY_NAME_LABEL, MANAGED_BY, MANAGED_BY_LABEL } from '../../src/infra/proxy-objects.ts';
import { kubeClient, type KubeClient } from '../../src/sources/kube-client.ts';
import { FakeApiServer, fakeKubeConfig, until } from '../sources/fake-api.ts';

const DEPLOYMENTS = '/apis/apps/v1/deployments', ACCOUNTS = '/api/v1/serviceaccounts';
const ours = (name: string, gateway: string, extra: object = {}) => ({
  metadata: { name, namespace: 'apps', resourceVersion: '11', labels: { [MANAGED_BY_LABEL]: MANAGED_BY, [GATEWAY_NAME_LABEL]: gateway } }, ...extra,
});

let api: FakeApiServer;
let watch: OwnedObjectWatch;
const drifts: string[] = [];
const errors: string[] = [];

before(async () => {
  api = new FakeApiServer();
  const client = kubeClient(fakeKubeConfig(await api.start()));
  watch = new OwnedObjectWatch({ client, onDrift: (g, why) => drifts.push(`${g}: ${why}`), onError: (m) => errors.push(m), retryMs: 10 });
  await watch.start();
  await until(() => (api.watchers.get(DEPLOYMENTS)?.length ?? 0) === 1 && (api.watchers.get(ACCOUNTS)?.length ?? 0) === 1);
});

after(async () => {
  await watch?.stop();
  api?.close();
});

test('it watches only what Portico manages, from the list\'s resourceVersion', () => {
  const w = api.requests.find((r) => r.startsWith(`${DEPLOYMENTS}?`) && r.includes('watch=true'))!;
  const q = new URL(w, 'http://x').searchParams;
  assert.equal(q.get('labelSelector'), `${MANAGED_BY_LABEL}=${MANAGED_BY}`);
  assert.equal(q.get('resourceVersion'), api.version);
});

test('a deletion, or a spec edit of a Deployment, names its Gateway; status updates and foreign objects do not', async () => {
  api.send(DEPLOYMENTS, 'MODIFIED', ours('gw-portico', 'gw', { metadata: { ...ours('x', 'gw').metadata, name: 'gw-portico', generation: 3 }, status: { observedGeneration: 3 } }));
  api.send(DEPLOYMENTS, 'DELETED', { metadata: { name: 'other', namespace: 'apps', labels: {} } });
  api.send(ACCOUNTS, 'DELETED', ours('gw-portico', 'gw'));
  await until(() => drifts.length === 1);
  api.send(DEPLOYMENTS, 'MODIFIED', { ...ours('gw-portico', 'gw'), metadata: { ...ours('gw-portico', 'gw').metadata, generation: 4 }, status: { observedGeneration: 3 } });
  api.send(DEPLOYMENTS, 'DELETED', ours('gw2-portico', 'gw2'));
  await until(() => drifts.length === 3);
  assert.deepEqual(drifts, [
    'apps/gw: ServiceAccount apps/gw-portico was deleted',
    'apps/gw: Deployment apps/gw-portico was changed',
    'apps/gw2: Deployment apps/gw2-portico was deleted',
  ]);
});

test('an expired watch lists again and watches on; a refused one is reported and retried', async () => {
  const lists = () => api.requests.filter((r) => r.startsWith(`${DEPLOYMENTS}?`) && !r.includes('watch=true')).length;
  const before = lists();
  api.expire(DEPLOYMENTS);
  await until(() => lists() === before + 1 && (api.watchers.get(DEPLOYMENTS)?.length ?? 0) === 1);
  api.refused.set(ACCOUNTS, 403);
  for (const w of api.watchers.get(ACCOUNTS) ?? []) w.end();
  await until(() => errors.length > 0);
  assert.match(errors[0]!, /^watching ServiceAccounts labelled .*: .*403.*; retrying in \d+s$/);
  api.refused.delete(ACCOUNTS);
  await until(() => (api.watchers.get(ACCOUNTS)?.length ?? 0) === 1);
  drifts.length = 0;
  api.send(ACCOUNTS, 'DELETED', ours('gw-portico', 'gw'));
  await until(() => drifts.length === 1);
});

test('stop() during the first list: no watch is opened after it, and start() and stop() both return', async () => {
  let lists: { resolve: (v: unknown) => void; reject: (e: Error) => void }[] = [];
  let watches = 0;
  const client = {
    server: 'stub',
    request: () => new Promise((resolve, reject) => void lists.push({ resolve, reject })),
    watch: () => {
      watches++;
      return { done: new Promise<void>(() => {}), abort() {} };
    },
  } as unknown as KubeClient;
  const w = new OwnedObjectWatch({ client, onDrift: () => {}, onError: () => {}, retryMs: 10 });
  const started = w.start();
  const stopped = w.stop();
  for (const l of lists) l.resolve({ metadata: { resourceVersion: '5' } });
  await Promise.all([started, stopped]);
  assert.equal(watches, 0);

  lists = [];
  const w2 = new OwnedObjectWatch({ client, onDrift: () => {}, onError: () => {}, retryMs: 10 });
  const started2 = w2.start();
  const stopped2 = w2.stop();
  for (const l of lists) l.reject(new Error('connection reset'));
  await Promise.all([started2, stopped2]);
});
