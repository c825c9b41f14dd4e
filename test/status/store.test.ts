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
