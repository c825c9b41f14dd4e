import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AddressPool, assignAddresses, PoolError } from '../../src/infra/host.ts';
import type { GatewayKey, ProxyConfig } from '../../src/ir/types.ts';

const cfg = (gateway: string, addresses: string[] = []): ProxyConfig =>
  ({ gateway: gateway as GatewayKey, version: '', addresses, listeners: [], backends: {} });

test('the first usable host address comes first, each Gateway keeps its own', () => {
  const pool = new AddressPool('127.0.1.0/24');
  const r1 = pool.assign([cfg('ns/b'), cfg('ns/a')]);
  assert.deepEqual(r1.configs.map((c) => [c.gateway, c.addresses]), [['ns/a', ['127.0.1.1']], ['ns/b', ['127.0.1.2']]]);
  // A new Gateway sorting first does not move the others.
  const r2 = pool.assign([cfg('ns/0'), cfg('ns/a'), cfg('ns/b')]);
  assert.deepEqual(r2.configs.map((c) => c.addresses[0]), ['127.0.1.3', '127.0.1.1', '127.0.1.2']);
});

test('a Gateway that requested an address keeps it and takes none from the pool', () => {
  const pool = new AddressPool('127.0.1.0/24');
  const r = pool.assign([cfg('ns/a', ['127.0.0.1']), cfg('ns/b')]);
  assert.deepEqual(r.configs.map((c) => c.addresses), [['127.0.0.1'], ['127.0.1.1']]);
  assert.equal(pool.addressOf('ns/a' as GatewayKey), undefined);
});

test('an address is released when its Gateway goes away and reused after', () => {
  const pool = new AddressPool('127.0.1.0/24');
  pool.assign([cfg('ns/a'), cfg('ns/b')]);
  pool.assign([cfg('ns/b')]);
  assert.equal(pool.addressOf('ns/a' as GatewayKey), undefined);
  const r = pool.assign([cfg('ns/b'), cfg('ns/c')]);
  assert.deepEqual(r.configs.map((c) => c.addresses[0]), ['127.0.1.2', '127.0.1.1']);
});

test('an exhausted pool leaves the Gateway unassigned with a message saying what to do', () => {
  const pool = new AddressPool('127.0.1.0/30'); // hosts .1 and .2
  const r = pool.assign([cfg('ns/a'), cfg('ns/b'), cfg('ns/c')]);
  assert.equal(r.configs.length, 2);
  assert.match(r.unassigned.get('ns/c' as GatewayKey)!, /127\.0\.1\.0\/30 is exhausted.*--gateway-address-pool/);
});

test('/32 and /31 pools hand out every address; the network is normalised', () => {
  assert.deepEqual(new AddressPool('10.0.0.7/32').assign([cfg('x/y')]).configs[0].addresses, ['10.0.0.7']);
  assert.equal(new AddressPool('10.0.0.6/31').capacity, 2);
  assert.equal(new AddressPool('127.0.1.77/24').cidr, '127.0.1.0/24');
});

test('a bad CIDR is refused with an example', () => {
  assert.throws(() => new AddressPool('127.0.1.0'), (e: Error) => e instanceof PoolError && /e\.g\. 127\.0\.1\.0\/24/.test(e.message));
  assert.throws(() => new AddressPool('fd00::/64'), PoolError);
});

test('without a pool configs pass through (all interfaces)', () => {
  const r = assignAddresses(null, [cfg('ns/a')]);
  assert.deepEqual(r.configs[0].addresses, []);
});
