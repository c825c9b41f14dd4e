// shareUnchanged: a config pushed as JSON keeps the previous config's objects wherever nothing changed, so the data
// plane (which reuses compiled routes by identity) recompiles only what did.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { shareUnchanged } from '../../src/ir/share.ts';

const route = (name: string, prefix = `/${name}`) => ({ name, match: { path: { type: 'PathPrefix', value: prefix } }, filters: [], action: { kind: 'forward', backends: [{ name: 'b', weight: 1 }] } });
const config = (routes: ReturnType<typeof route>[], version = 'v1') => ({
  gateway: 'ns/gw', version, addresses: [],
  listeners: [{ protocol: 'HTTP', port: 80, hosts: [{ hostname: '*', routes }] }],
  backends: { b: { endpoints: [{ address: '10.0.0.1', port: 80 }] } },
});
const wire = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

test('an identical config is the previous one; a new version only gives a new top-level object', () => {
  const prev = config([route('a'), route('b')]);
  assert.equal(shareUnchanged(prev, wire(prev)), prev);
  const next = shareUnchanged(prev, wire(config([route('a'), route('b')], 'v2')));
  assert.notEqual(next, prev);
  assert.equal(next.version, 'v2');
  assert.equal(next.listeners, prev.listeners);
  assert.equal(next.backends, prev.backends);
});

test('one changed route: only it and the objects above it are new', () => {
  const prev = config([route('a'), route('b'), route('c')]);
  const next = shareUnchanged(prev, wire(config([route('a'), route('b', '/changed'), route('c')], 'v2')));
  const [p, n] = [prev.listeners[0]!.hosts[0]!.routes, next.listeners[0]!.hosts[0]!.routes];
  assert.equal(n[0], p[0]);
  assert.notEqual(n[1], p[1]);
  assert.equal(n[1]!.match.path.value, '/changed');
  assert.equal(n[1]!.action, p[1]!.action, 'unchanged parts of a changed route are shared too');
  assert.equal(n[2], p[2]);
  assert.equal(next.backends, prev.backends);
  assert.deepEqual(next, wire(config([route('a'), route('b', '/changed'), route('c')], 'v2')), 'the value is the pushed one');
});

test('routes are matched by name: one inserted or removed mid-list leaves the others shared', () => {
  const prev = config([route('a'), route('c'), route('d')]);
  const inserted = shareUnchanged(prev, wire(config([route('a'), route('b'), route('c'), route('d')])));
  const [p, n] = [prev.listeners[0]!.hosts[0]!.routes, inserted.listeners[0]!.hosts[0]!.routes];
  assert.deepEqual(n.map((r) => p.includes(r)), [true, false, true, true]);
  const removed = shareUnchanged(prev, wire(config([route('a'), route('d')])));
  assert.deepEqual(removed.listeners[0]!.hosts[0]!.routes.map((r) => p.includes(r)), [true, true]);
  assert.notEqual(removed.listeners[0]!.hosts[0]!.routes, p);
});

test('keys added or removed make the object new; no previous config shares nothing', () => {
  const prev = { a: { x: 1 }, b: { y: 2 } };
  const added = shareUnchanged<Record<string, object>>(prev, { a: { x: 1 }, b: { y: 2, z: 3 } });
  assert.equal(added.a, prev.a);
  assert.notEqual(added.b, prev.b);
  const dropped = shareUnchanged(prev, { a: { x: 1 }, b: {} } as typeof prev);
  assert.notEqual(dropped.b, prev.b);
  const fresh = { a: { x: 1 } };
  assert.equal(shareUnchanged(undefined, fresh), fresh);
});

test('a "__proto__" key from JSON stays an own property and never sets a prototype', () => {
  const prev = JSON.parse('{"m": {"__proto__": {"polluted": true}, "k": 1}}') as { m: Record<string, unknown> };
  const next = shareUnchanged(prev, JSON.parse('{"m": {"__proto__": {"polluted": true}, "k": 1}}') as typeof prev);
  assert.equal(Object.getPrototypeOf(next.m), Object.prototype);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.ok(Object.hasOwn(next.m, '__proto__'));
});
