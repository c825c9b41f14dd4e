// The data plane's validation memo: a route found valid once is checked again only for the clusters it names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type * as ir from '../../src/ir/types.ts';
import { validateProxyConfig, type ValidationMemo } from '../../src/ir/validate.ts';

const cluster = (name: string): ir.BackendCluster => ({ name, protocol: 'http1', endpoints: [{ address: '127.0.0.1', port: 8080 }], lb: 'RoundRobin' });

const route = (name: string, clusterName: string, path = '/'): ir.HttpRoute => ({
  name, source: { kind: 'HTTPRoute', namespace: 'default', name, rule: 0, match: 0 },
  match: { path: { type: 'PathPrefix', value: path }, headers: [], query: [] },
  filters: [], action: { type: 'Forward', backends: [{ cluster: clusterName, weight: 1 }] },
});

const config = (routes: ir.HttpRoute[], backends: ir.BackendCluster[]): ir.ProxyConfig => ({
  gateway: 'default/gw' as ir.GatewayKey, version: '', addresses: [],
  listeners: [{ protocol: 'HTTP', port: 8080, hosts: [{ listener: 'http', hostname: null, virtualHosts: [{ hostname: '*', routes }] }] }],
  backends: Object.fromEntries(backends.map((b) => [b.name, b])),
});

test('a memoized route still fails when a cluster it names is missing from the next config', () => {
  const memo: ValidationMemo = new WeakMap();
  const r = route('a', 'Service/default/a:80');
  assert.deepEqual(validateProxyConfig(config([r], [cluster('Service/default/a:80')]), memo), []);
  assert.deepEqual(memo.get(r), ['Service/default/a:80']);
  assert.deepEqual(validateProxyConfig(config([r], [cluster('Service/default/a:80')]), memo), []);
  const problems = validateProxyConfig(config([r], []), memo);
  assert.equal(problems.length, 1);
  assert.match(problems[0]!, /cluster Service\/default\/a:80 is referenced but missing/);
});

test('invalid routes are not memoized, and the memo never changes what is reported', () => {
  const memo: ValidationMemo = new WeakMap();
  const bad = route('bad', 'Service/default/a:80', 'no-slash');
  const c = config([bad, route('b', 'Service/default/a:80', '/b')], [cluster('Service/default/a:80')]);
  const without = validateProxyConfig(c);
  assert.ok(without.length > 0);
  assert.deepEqual(validateProxyConfig(c, memo), without);
  assert.equal(memo.has(bad), false);
  assert.deepEqual(validateProxyConfig(c, memo), without);
});
