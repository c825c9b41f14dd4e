import { test } from 'node:test';
import assert from 'node:assert/strict';
import { finalize } from '../../src/status/finalize.ts';
import type { ObjectStatus } from '../../src/status/types.ts';
import type { GatewayKey, ProxyConfig } from '../../src/ir/types.ts';
import type { ApplyResult } from '../../src/dataplane/contract.ts';

const key = 'default/gw' as GatewayKey;
const c = (type: string, status: 'True' | 'False', reason: string) => ({ type, status, reason, message: 'm', observedGeneration: 3 });

function gatewayStatus(addresses?: string[]): ObjectStatus {
  const listener = (name: string) => ({
    name, attachedRoutes: 0, supportedKinds: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute' }],
    conditions: [c('Accepted', 'True', 'Accepted'), c('ResolvedRefs', 'True', 'ResolvedRefs'), c('Programmed', 'True', 'Programmed')],
  });
  return {
    apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', namespace: 'default', name: 'gw', generation: 3,
    status: {
      ...(addresses ? { addresses: addresses.map((value) => ({ type: 'IPAddress', value })) } : {}),
      conditions: [c('Accepted', 'True', 'Accepted'), c('Programmed', 'True', 'Programmed')],
      listeners: [listener('a'), listener('b')],
    },
  };
}

function config(addresses: string[]): ProxyConfig {
  const host = (listener: string) => ({ listener, hostname: null, virtualHosts: [] });
  return { gateway: key, version: 'v1', addresses, backends: {}, listeners: [
    { protocol: 'HTTP', port: 8080, hosts: [host('a')] },
    { protocol: 'HTTP', port: 8081, hosts: [host('b')] },
  ] };
}

const get = (s: ObjectStatus) => s.status as any;
const condOf = (list: any[], type: string) => list.find((x: any) => x.type === type);

test('all bound: Programmed True everywhere, addresses are the bound ones', () => {
  const results: ApplyResult[] = [{ gateway: key, version: 'v1', listeners: [
    { port: 8080, address: '127.0.0.1', bound: true }, { port: 8081, address: '127.0.0.1', bound: true }] }];
  const [out] = finalize([gatewayStatus(['127.0.0.1'])], results, [config(['127.0.0.1'])]);
  assert.equal(condOf(get(out).conditions, 'Programmed').status, 'True');
  assert.equal(condOf(get(out).conditions, 'Programmed').observedGeneration, 3);
  for (const l of get(out).listeners) assert.equal(condOf(l.conditions, 'Programmed').status, 'True');
  assert.deepEqual(get(out).addresses, [{ type: 'IPAddress', value: '127.0.0.1' }]);
});

test('EADDRINUSE: that listener is PortUnavailable, the Gateway ListenersNotValid but still Programmed', () => {
  const input = gatewayStatus();
  const results: ApplyResult[] = [{ gateway: key, version: 'v1', listeners: [
    { port: 8080, address: '0.0.0.0', bound: true }, { port: 8081, address: '0.0.0.0', bound: false, error: 'EADDRINUSE' }] }];
  const [out] = finalize([input], results, [config([])]);
  const b = get(out).listeners[1];
  assert.equal(condOf(b.conditions, 'Accepted').reason, 'PortUnavailable');
  assert.equal(condOf(b.conditions, 'Accepted').status, 'False');
  assert.match(condOf(b.conditions, 'Accepted').message, /8081/);
  assert.equal(condOf(b.conditions, 'Programmed').status, 'False');
  assert.equal(condOf(b.conditions, 'Programmed').reason, 'Invalid');
  assert.equal(condOf(get(out).conditions, 'Accepted').reason, 'ListenersNotValid');
  assert.equal(condOf(get(out).conditions, 'Accepted').status, 'True');
  assert.equal(condOf(get(out).conditions, 'Programmed').status, 'True');
  assert.equal(get(out).addresses, undefined, 'all interfaces: status.addresses left as translate gave');
  assert.equal(condOf((input.status as any).listeners[1].conditions, 'Accepted').status, 'True', 'input not mutated');
});

test('EADDRNOTAVAIL: the Gateway is Programmed False AddressNotUsable and lists no address', () => {
  const results: ApplyResult[] = [{ gateway: key, version: 'v1', listeners: [
    { port: 8080, address: '10.99.99.99', bound: false, error: 'EADDRNOTAVAIL' },
    { port: 8081, address: '10.99.99.99', bound: false, error: 'EADDRNOTAVAIL' }] }];
  const [out] = finalize([gatewayStatus(['10.99.99.99'])], results, [config(['10.99.99.99'])]);
  const p = condOf(get(out).conditions, 'Programmed');
  assert.deepEqual([p.status, p.reason], ['False', 'AddressNotUsable']);
  assert.match(p.message, /10\.99\.99\.99/);
  assert.equal(condOf(get(out).listeners[0].conditions, 'Accepted').status, 'True');
  assert.equal(get(out).addresses, undefined);
});

test('a Gateway whose pool address could not be assigned is AddressNotAssigned', () => {
  const [out] = finalize([gatewayStatus()], [], [], { unassigned: new Map([[key, 'pool 127.0.1.0/30 is exhausted']]) });
  const p = condOf(get(out).conditions, 'Programmed');
  assert.deepEqual([p.status, p.reason], ['False', 'AddressNotAssigned']);
  assert.equal(condOf(get(out).listeners[0].conditions, 'Programmed').reason, 'Pending');
});

test('objects other than applied Gateways pass through untouched', () => {
  const route: ObjectStatus = { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', namespace: 'default', name: 'r', generation: 1, status: { parents: [] } };
  const gw = gatewayStatus();
  const out = finalize([route, gw], [], []);
  assert.equal(out[0], route);
  assert.equal(out[1], gw);
});

test('a ListenerSet listener whose port cannot be bound is not Programmed, nor the ListenerSet when none is left', () => {
  const listener = (name: string) => ({
    name, attachedRoutes: 0, supportedKinds: [], conditions: [c('Accepted', 'True', 'Accepted'), c('Programmed', 'True', 'Programmed')],
  });
  const set = (listeners: string[]): ObjectStatus => ({
    apiVersion: 'gateway.networking.k8s.io/v1', kind: 'ListenerSet', namespace: 'team', name: 'ls', generation: 3,
    status: { conditions: [c('Accepted', 'True', 'Accepted'), c('Programmed', 'True', 'Programmed')], listeners: listeners.map(listener) },
  });
  const host = (listener: string) => ({ listener, hostname: null, virtualHosts: [] });
  const cfg: ProxyConfig = { ...config([]), listeners: [
    ...config([]).listeners, { protocol: 'HTTP', port: 9090, hosts: [host('team/ls/one')] }, { protocol: 'HTTP', port: 9091, hosts: [host('team/ls/two')] },
  ] };
  const results = (ok9091: boolean): ApplyResult[] => [{ gateway: key, version: 'v1', listeners: [
    { port: 8080, address: '0.0.0.0', bound: true }, { port: 8081, address: '0.0.0.0', bound: true },
    { port: 9090, address: '0.0.0.0', bound: false, error: 'EADDRINUSE' }, { port: 9091, address: '0.0.0.0', bound: ok9091, ...(ok9091 ? {} : { error: 'EACCES' }) }] }];

  const [partly] = finalize([set(['one', 'two'])], results(true), [cfg]);
  const [one, two] = get(partly).listeners;
  assert.equal(condOf(one.conditions, 'Programmed').status, 'False');
  assert.equal(condOf(one.conditions, 'Accepted').reason, 'PortUnavailable');
  assert.equal(condOf(two.conditions, 'Programmed').status, 'True');
  assert.equal(condOf(get(partly).conditions, 'Programmed').status, 'True', 'one listener still serves');

  const [none] = finalize([set(['one', 'two'])], results(false), [cfg]);
  assert.equal(condOf(get(none).conditions, 'Programmed').status, 'False');
  assert.match(condOf(get(none).conditions, 'Programmed').message, /none could be bound/);
});
