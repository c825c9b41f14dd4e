import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StatusStore } from '../../src/status/store.ts';
import type { ObjectStatus } from '../../src/status/types.ts';

const cond = (status: 'True' | 'False', reason = 'Accepted', gen = 1) => ({ type: 'Accepted', status, reason, message: 'm', observedGeneration: gen });

const gateway = (status: 'True' | 'False', gen = 1): ObjectStatus => ({
  apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', namespace: 'default', name: 'gw', generation: gen,
  status: { conditions: [cond(status, 'Accepted', gen)], listeners: [{ name: 'http', attachedRoutes: 0, supportedKinds: [], conditions: [cond('True', 'Accepted', gen)] }] },
});
const cls: ObjectStatus = { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', name: 'portico', generation: 1, status: { conditions: [cond('True')] } };
const route = (reason: string): ObjectStatus => ({
  apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', namespace: 'default', name: 'r', generation: 1,
  status: { parents: [{ parentRef: { name: 'gw' }, controllerName: 'portico.dev/gateway-controller', conditions: [cond('True', reason)] }] },
});

function clock() {
  let t = Date.parse('2025-01-01T00:00:00Z');
  return { now: () => new Date(t), advance: () => (t += 60_000) };
}

test('unchanged conditions keep lastTransitionTime; changed ones get now', () => {
  const c = clock();
  const s = new StatusStore({ now: c.now });
  const [first] = s.update([gateway('True')]);
  assert.equal((first.status as any).conditions[0].lastTransitionTime, '2025-01-01T00:00:00Z');
  c.advance();
  const [same] = s.update([gateway('True')]);
  assert.equal((same.status as any).conditions[0].lastTransitionTime, '2025-01-01T00:00:00Z');
  assert.equal((same.status as any).listeners[0].conditions[0].lastTransitionTime, '2025-01-01T00:00:00Z');
  c.advance();
  const [changed] = s.update([gateway('False')]);
  assert.equal((changed.status as any).conditions[0].lastTransitionTime, '2025-01-01T00:02:00Z');
  assert.equal((changed.status as any).listeners[0].conditions[0].lastTransitionTime, '2025-01-01T00:00:00Z');
});

test('a new observedGeneration is a transition', () => {
  const c = clock();
  const s = new StatusStore({ now: c.now });
  s.update([gateway('True', 1)]);
  c.advance();
  const [out] = s.update([gateway('True', 2)]);
  assert.equal((out.status as any).conditions[0].lastTransitionTime, '2025-01-01T00:01:00Z');
});

test('route parents are matched by parentRef and controller', () => {
  const c = clock();
  const s = new StatusStore({ now: c.now });
  s.update([route('Accepted')]);
  c.advance();
  const [same] = s.update([route('Accepted')]);
  assert.equal((same.status as any).parents[0].conditions[0].lastTransitionTime, '2025-01-01T00:00:00Z');
});

test('items() have the Kubernetes shape; GatewayClass has no namespace key; gone objects drop', () => {
  const s = new StatusStore();
  s.update([cls, gateway('True')]);
  const items = s.items();
  assert.deepEqual(Object.keys(items[0].metadata), ['name', 'generation']);
  assert.deepEqual(items[1].metadata, { namespace: 'default', name: 'gw', generation: 1 });
  assert.equal(items[1].kind, 'Gateway');
  s.update([cls]);
  assert.equal(s.items().length, 1);
});

test('an input object given again is returned as stamped before; an equal new one is stamped like it', () => {
  const c = clock();
  const s = new StatusStore({ now: c.now });
  const r = route('Accepted');
  const [first] = s.update([r, gateway('True')]);
  c.advance();
  const [again, gw] = s.update([r, gateway('False')]);
  assert.equal(again, first);
  assert.equal((gw.status as any).conditions[0].lastTransitionTime, '2025-01-01T00:01:00Z');
  c.advance();
  const [fresh] = s.update([route('Accepted')]);
  assert.deepEqual(fresh, first);
  c.advance();
  const [changed] = s.update([route('Other')]);
  assert.equal((changed.status as any).parents[0].conditions[0].lastTransitionTime, '2025-01-01T00:03:00Z');
  const [back] = s.update([r]);
  assert.equal((back.status as any).parents[0].conditions[0].lastTransitionTime, '2025-01-01T00:03:00Z', 'the object was stamped against the newer status in between');
});

test('a list in translation order and the same list shuffled are stamped alike through random changes', () => {
  let seed = 7;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const c = clock();
  const inOrder = new StatusStore({ now: c.now }), shuffled = new StatusStore({ now: c.now });
  const named = (name: string, reason: string): ObjectStatus => ({ ...route(reason), name });
  let list: ObjectStatus[] = Array.from({ length: 40 }, (_, i) => named(`r${String(i).padStart(2, '0')}`, 'Accepted'));
  const byName = (xs: readonly ObjectStatus[]) => new Map(xs.map((s) => [s.name, s]));
  for (let step = 0; step < 60; step++) {
    c.advance();
    const k = Math.floor(random() * list.length);
    const op = Math.floor(random() * 3);
    list = [...list];
    if (op === 0) list.splice(k, 1);
    else if (op === 1) list.splice(k, 1, named(list[k]!.name, random() < 0.5 ? 'Accepted' : `Other${step}`));
    else list.splice(k, 0, named(`${list[k]?.name ?? 'r'}-${step}`, 'Accepted'));
    const before = new Set(inOrder.current());
    const a = inOrder.update(list);
    const b = shuffled.update([...list].sort(() => random() - 0.5));
    assert.deepEqual(byName(a), byName(b), `step ${step}`);
    const { added, removed } = inOrder.changes();
    assert.deepEqual(new Set(added), new Set(a.filter((s) => !before.has(s))), `added at step ${step}`);
    assert.deepEqual(new Set(removed), new Set([...before].filter((s) => !a.includes(s))), `removed at step ${step}`);
  }
});
