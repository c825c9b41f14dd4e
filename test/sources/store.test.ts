import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ResourceStore } from '../../src/sources/store.ts';
import type { KubeObject } from '../../src/api/meta.ts';

const route = (spec: object, meta: object = {}): KubeObject =>
  ({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'r', namespace: 'default', ...meta }, spec }) as KubeObject;

function clock(start = Date.parse('2025-01-01T00:00:00Z')) {
  let t = start;
  return { now: () => new Date(t), advance: (ms: number) => (t += ms) };
}

test('new object without generation gets 1 and first-seen creationTimestamp', () => {
  const c = clock();
  const s = new ResourceStore({ now: c.now });
  assert.equal(s.upsert(route({ hostnames: ['a'] }), { file: 'a.yaml', line: 1 }), true);
  const o = s.get('HTTPRoute/default/r')!;
  assert.equal(o.metadata.generation, 1);
  assert.equal(o.metadata.creationTimestamp, '2025-01-01T00:00:00Z');
});

test('spec change bumps generation; identical reload changes nothing; creationTimestamp kept', () => {
  const c = clock();
  const s = new ResourceStore({ now: c.now });
  s.upsert(route({ hostnames: ['a'] }));
  c.advance(60_000);
  assert.equal(s.upsert(route({ hostnames: ['a'] })), false);
  assert.equal(s.upsert(route({ hostnames: ['b'] })), true);
  const o = s.get('HTTPRoute/default/r')!;
  assert.equal(o.metadata.generation, 2);
  assert.equal(o.metadata.creationTimestamp, '2025-01-01T00:00:00Z');
  // A label change is a change, but not a spec change.
  assert.equal(s.upsert(route({ hostnames: ['b'] }, { labels: { x: 'y' } })), true);
  assert.equal(s.get('HTTPRoute/default/r')!.metadata.generation, 2);
});

test('key order in the file is not a change', () => {
  const s = new ResourceStore();
  s.upsert(route({ hostnames: ['a'], rules: [] }));
  assert.equal(s.upsert(route({ rules: [], hostnames: ['a'] })), false);
});

test('generation and creationTimestamp from the file are kept', () => {
  const s = new ResourceStore();
  s.upsert(route({ hostnames: ['a'] }, { generation: 7, creationTimestamp: '2020-02-02T00:00:00Z' }));
  s.upsert(route({ hostnames: ['b'] }, { generation: 7, creationTimestamp: '2020-02-02T00:00:00Z' }));
  const o = s.get('HTTPRoute/default/r')!;
  assert.equal(o.metadata.generation, 7);
  assert.equal(o.metadata.creationTimestamp, '2020-02-02T00:00:00Z');
});

test('delete reports whether something went away; snapshot carries origins', () => {
  const s = new ResourceStore();
  s.upsert(route({}), { file: 'x.yaml', line: 3 });
  const snap = s.snapshot();
  assert.equal(snap.httpRoutes.length, 1);
  assert.deepEqual(snap.origins?.get('HTTPRoute/default/r'), { file: 'x.yaml', line: 3 });
  assert.equal(s.delete('HTTPRoute', 'default', 'r'), true);
  assert.equal(s.delete('HTTPRoute', 'default', 'r'), false);
  assert.equal(s.snapshot().httpRoutes.length, 0);
});

test('deleteId removes by objectId and bumps the revision only when something went away', () => {
  const s = new ResourceStore();
  s.upsert(route({}));
  const rev = s.revision;
  assert.equal(s.deleteId('HTTPRoute/default/r'), true);
  assert.equal(s.revision, rev + 1);
  assert.equal(s.deleteId('HTTPRoute/default/r'), false);
  assert.equal(s.revision, rev + 1);
});

test('a status or label change counts as a change without bumping generation', () => {
  const s = new ResourceStore();
  s.upsert(route({}));
  const labelled = route({});
  labelled.metadata.labels = { team: 'a' };
  assert.equal(s.upsert(labelled), true);
  assert.equal(s.get('HTTPRoute/default/r')!.metadata.generation, 1);
  assert.equal(s.upsert(labelled), false);
});

test('an origin change alone counts as a change', () => {
  const s = new ResourceStore();
  s.upsert(route({}), { file: 'x.yaml', line: 3 });
  assert.equal(s.upsert(route({}), { file: 'x.yaml', line: 9 }), true);
});

test('snapshot: the same lists snapshotOf() builds, through any mix of changes; a snapshot handed out never changes', async () => {
  const { snapshotOf } = await import('../../src/api/snapshot.ts');
  const s = new ResourceStore({ now: () => new Date(0) });
  const kinds = ['HTTPRoute', 'Service', 'Gateway', 'Namespace', 'SomethingElse'];
  const obj = (k: number, port: number): KubeObject => ({
    apiVersion: 'v1', kind: kinds[k % kinds.length],
    metadata: kinds[k % kinds.length] === 'Namespace' ? { name: `n${k % 7}` } : { name: `o${k % 11}`, namespace: `ns${k % 3}` },
    spec: { port },
  }) as unknown as KubeObject;
  let seed = 7;
  const rand = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
  const held: { snap: ReturnType<ResourceStore['snapshot']>; copy: string }[] = [];
  for (let step = 0; step < 400; step++) {
    const o = obj(rand(60), rand(3));
    if (rand(4) === 0) s.delete(o.kind, o.metadata.namespace, o.metadata.name);
    else s.upsert(o, { file: `f${rand(2)}.yaml`, line: 1 });
    if (step % 25 === 0) {
      const snap = s.snapshot();
      held.push({ snap, copy: JSON.stringify({ ...snap, origins: [...snap.origins!] }) });
      const origins = new Map(s.ids().map((id) => [id, snap.origins!.get(id)!]));
      const want = snapshotOf(s.objects(), origins);
      assert.deepEqual({ ...snap, origins: [...snap.origins!].sort() }, { ...want, origins: [...origins].sort() });
    }
  }
  for (const h of held) assert.equal(JSON.stringify({ ...h.snap, origins: [...h.snap.origins!] }), h.copy);
});
