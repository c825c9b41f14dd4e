// The data plane's validation memo: a route found valid once is checked again only for the clusters it names, and a
// virtual host changed by a few routes is checked for those; what is reported is always what a fresh validation reports.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type * as ir from '../../src/ir/types.ts';
import { newValidationMemo, validateProxyConfig } from '../../src/ir/validate.ts';

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
  const memo = newValidationMemo();
  const r = route('a', 'Service/default/a:80');
  assert.deepEqual(validateProxyConfig(config([r], [cluster('Service/default/a:80')]), memo), []);
  assert.deepEqual(memo.routes.get(r), ['Service/default/a:80']);
  assert.deepEqual(validateProxyConfig(config([r], [cluster('Service/default/a:80')]), memo), []);
  const problems = validateProxyConfig(config([r], []), memo);
  assert.equal(problems.length, 1);
  assert.match(problems[0]!, /cluster Service\/default\/a:80 is referenced but missing/);
});

test('invalid routes are not memoized, and the memo never changes what is reported', () => {
  const memo = newValidationMemo();
  const bad = route('bad', 'Service/default/a:80', 'no-slash');
  const c = config([bad, route('b', 'Service/default/a:80', '/b')], [cluster('Service/default/a:80')]);
  const without = validateProxyConfig(c);
  assert.ok(without.length > 0);
  assert.deepEqual(validateProxyConfig(c, memo), without);
  assert.equal(memo.routes.has(bad), false);
  assert.deepEqual(validateProxyConfig(c, memo), without);
});

const config2 = (hosts: Record<string, ir.HttpRoute[]>, backends: ir.BackendCluster[]): ir.ProxyConfig => ({
  gateway: 'default/gw' as ir.GatewayKey, version: '', addresses: [],
  listeners: [{ protocol: 'HTTP', port: 8080, hosts: [{ listener: 'http', hostname: null, virtualHosts: Object.entries(hosts).map(([hostname, routes]) => ({ hostname, routes })) }] }],
  backends: Object.fromEntries(backends.map((b) => [b.name, b])),
});

test('config after config, validation with the memo reports exactly what a fresh validation reports', () => {
  // A fixed linear congruential sequence (32-bit, high bits): varied cases, the same every run.
  const pick = ((x: number) => (n: number) => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 16) % n)(9);
  const names = ['Service/default/a:80', 'Service/default/b:80', 'Service/default/c:80'];
  let backends = names.map(cluster);
  let serial = 0;
  const make = (): ir.HttpRoute => route(`r${serial++}`, names[pick(3)]!, `/p/${serial}`);
  let routes = Array.from({ length: 30 }, make);
  const memo = newValidationMemo();
  let reported = 0;
  for (let step = 0; step < 200; step++) {
    const next = [...routes];
    const at = pick(next.length + 1);
    const change = pick(8);
    if (change === 0 && next.length > 10) next.splice(at, 1 + pick(3));
    else if (change === 1 && at < next.length) next.splice(at, 0, { ...next[at]! }); // a duplicate name
    else if (change === 2) next.splice(at, 0, route(`bad${step}`, names[0]!, 'no-slash'));
    else if (change === 3) backends = names.filter(() => pick(4) !== 0).map(cluster); // clusters come and go
    else if (change === 4) backends = names.map(cluster);
    else if (change === 5) {
      // Repaired: the unsound routes go, the rest keep their objects.
      const seen = new Set<string>();
      next.splice(0, next.length, ...next.filter((r) => !r.name.startsWith('bad') && !seen.has(r.name) && seen.add(r.name)));
    }
    else if (change === 6 && at < next.length) next[at] = route(next[at]!.name, names[pick(3)]!, `/changed/${step}`);
    else next.splice(at, 0, make());
    // The other virtual host shares some routes, and keeps its array while nothing in it changes.
    const c = config2({ 'a.example': next, 'b.example': routes === next ? routes : next.slice(0, 10) }, backends);
    const fresh = validateProxyConfig(c);
    assert.deepEqual(validateProxyConfig(c, memo), fresh, `step ${step}, change ${change}`);
    if (fresh.length > 0) reported++;
    routes = next;
  }
  assert.ok(reported > 20 && reported < 180, `both sound and unsound configs were seen (${reported} unsound)`);
});

test('a virtual host that came back unsound through the memo is reported the same way each time', () => {
  const memo = newValidationMemo();
  const a = cluster('Service/default/a:80');
  const routes = Array.from({ length: 20 }, (_, i) => route(`r${i}`, a.name, `/r/${i}`));
  assert.deepEqual(validateProxyConfig(config(routes, [a]), memo), []);
  const dup = [...routes.slice(0, 5), route('r12', a.name, '/other'), ...routes.slice(5)];
  const fresh = validateProxyConfig(config(dup, [a]));
  assert.equal(fresh.length, 1);
  assert.match(fresh[0]!, /duplicate route name r12/);
  assert.deepEqual(validateProxyConfig(config(dup, [a]), memo), fresh);
  assert.deepEqual(validateProxyConfig(config(dup, [a]), memo), fresh);
  assert.deepEqual(validateProxyConfig(config(routes, [a]), memo), []);
  assert.deepEqual(validateProxyConfig(config(routes, []), memo), validateProxyConfig(config(routes, [])));
});
