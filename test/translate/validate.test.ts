import { test } from 'node:test';
import assert from 'node:assert/strict';
import type * as ir from '../../src/ir/types.ts';
import { validateProxyConfig } from '../../src/ir/validate.ts';
import { serializeProxies } from '../../src/ir/serialize.ts';

function route(name: string, cluster: string | null, path: ir.HttpMatch['path'] = { type: 'PathPrefix', value: '/' }): ir.HttpRoute {
  return {
    name, source: { kind: 'HTTPRoute', namespace: 'default', name: 'r', rule: 0, match: 0 },
    match: { path, headers: [], query: [] }, filters: [], action: { type: 'Forward', backends: [{ cluster, weight: 1 }] },
  };
}

function config(routes: ir.HttpRoute[], gateway = 'default/gw'): ir.ProxyConfig {
  return {
    gateway: gateway as ir.GatewayKey, version: '', addresses: [],
    listeners: [{ protocol: 'HTTP', port: 80, hosts: [{ listener: 'http', hostname: null, virtualHosts: [{ hostname: '*', routes }] }] }],
    backends: { 'Service/default/web:80': { name: 'Service/default/web:80', protocol: 'http1', endpoints: [], lb: 'RoundRobin' } },
  };
}

test('a sound config has no problems; null clusters are allowed', () => {
  assert.deepEqual(validateProxyConfig(config([route('a', 'Service/default/web:80'), route('b', null)])), []);
});

test('missing clusters, duplicate route names and bad regexes are reported', () => {
  const problems = validateProxyConfig(config([
    route('a', 'Service/default/nope:80'),
    route('a', null),
    route('c', null, { type: 'RegularExpression', value: '(' }),
  ]));
  assert.equal(problems.length, 3, problems.join('\n'));
  assert.match(problems[0], /cluster Service\/default\/nope:80 is referenced but missing/);
  assert.match(problems[1], /duplicate route name a/);
  assert.match(problems[2], /bad regex/);
});

test('serializeProxies sorts by gateway key and is stable', () => {
  const a = config([], 'b/gw'), b = config([], 'a/gw');
  const text = serializeProxies([a, b]);
  assert.ok(text.indexOf('gateway: a/gw') < text.indexOf('gateway: b/gw'));
  assert.equal(serializeProxies(new Map([['b/gw', a], ['a/gw', b]])), text);
});
