import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigVersions, sameConfig, sameJson } from '../../src/cli/config-versions.ts';
import type { ProxyConfig } from '../../src/ir/types.ts';

const config = (gateway: string, port: number, extra: object = {}) =>
  ({ gateway, version: '', addresses: [], listeners: [{ protocol: 'HTTP', port, hosts: [] }], backends: {}, ...extra }) as unknown as ProxyConfig;

test('config versions: unchanged Gateways keep theirs, a changed one gets a new one, 12 hex digits', () => {
  const v = new ConfigVersions();
  const [a1, b1] = v.assign([config('ns/a', 80), config('ns/b', 81)]);
  assert.match(a1.version, /^[0-9a-f]{12}$/);
  assert.notEqual(a1.version, b1.version);
  const [a2, b2] = v.assign([config('ns/a', 80), config('ns/b', 82)]);
  assert.equal(a2.version, a1.version);
  assert.notEqual(b2.version, b1.version);
  // Back to an earlier content is a change too: the data plane compiled something else in between.
  const [, b3] = v.assign([config('ns/a', 80), config('ns/b', 81)]);
  assert.notEqual(b3.version, b1.version);
  assert.notEqual(b3.version, b2.version);
});

test('config versions: a Gateway that went away and came back is new', () => {
  const v = new ConfigVersions();
  const [a1] = v.assign([config('ns/a', 80)]);
  v.assign([]);
  const [a2] = v.assign([config('ns/a', 80)]);
  assert.notEqual(a2.version, a1.version);
});

test('sameConfig compares as JSON would: key order and undefined fields do not count, the version does not either', () => {
  assert.ok(sameConfig(config('ns/a', 80, { secrets: undefined, version: 'x' }), config('ns/a', 80)));
  const reordered = { backends: {}, listeners: [{ hosts: [], port: 80, protocol: 'HTTP' }], addresses: [], gateway: 'ns/a' } as unknown as ProxyConfig;
  assert.ok(sameConfig(reordered, config('ns/a', 80)));
  assert.ok(!sameConfig(config('ns/a', 80, { backends: { x: [] } }), config('ns/a', 80)));
  assert.ok(!sameConfig(config('ns/a', 80, { addresses: ['127.0.0.1'] }), config('ns/a', 80)));
  assert.ok(!sameConfig(config('ns/a', 80, { addresses: {} }), config('ns/a', 80)));
});

test('sameJson: equal as JSON, key order and undefined fields aside', () => {
  assert.ok(sameJson({ a: 1, b: [1, { c: 'x' }] }, { b: [1, { c: 'x' }], a: 1 }));
  assert.ok(sameJson({ a: 1, u: undefined }, { a: 1 }));
  assert.ok(!sameJson({ a: 1 }, { a: 1, b: 2 }));
  assert.ok(!sameJson([1, 2], [2, 1]));
  assert.ok(!sameJson({ 0: 'a' }, ['a']));
  assert.ok(!sameJson(null, {}));
  assert.ok(!sameJson(1, '1'));
});
