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

function withRoute(patch: Partial<ir.HttpRoute>): ir.ProxyConfig {
  return config([{ ...route('a', null), ...patch }]);
}

test('header names and values that Node would refuse on the wire are reported', () => {
  const modifier = (set: { name: string; value: string }[], remove: string[] = []): ir.HttpFilter =>
    ({ type: 'ResponseHeaderModifier', modifier: { set, add: [], remove } });
  assert.deepEqual(validateProxyConfig(withRoute({ filters: [modifier([{ name: 'Host', value: 'b é' }], ['connection'])] })), []);
  const problems = validateProxyConfig(withRoute({
    filters: [modifier([{ name: 'x-a', value: 'a\r\nb' }, { name: 'x a', value: 'b' }, { name: 'Transfer-Encoding', value: 'chunked' }, { name: 'x-b', value: '€' }])],
  }));
  assert.equal(problems.length, 4, problems.join('\n'));
  assert.match(problems[0], /control character/);
  assert.match(problems[1], /not a valid HTTP token/);
  assert.match(problems[2], /controls the connection/);
  assert.match(problems[3], /above U\+00FF/);
});

test('redirect scheme, hostname, port and path and rewrite hostnames are checked', () => {
  const redirect = { type: 'Redirect', statusCode: 302, scheme: 'ftp', hostname: 'a\nb', port: 0, path: { type: 'ReplaceFullPath', value: '/a b' } };
  const problems = validateProxyConfig(withRoute({ action: redirect as unknown as ir.RedirectAction }));
  assert.equal(problems.length, 4, problems.join('\n'));
  const rewrite = validateProxyConfig(withRoute({ filters: [{ type: 'URLRewrite', hostname: 'x.example:80' }] }));
  assert.match(rewrite.join('\n'), /URLRewrite hostname "x.example:80" is not a valid hostname/);
});

test('regexes are checked as RE2: nested quantifiers pass, lookaround does not', () => {
  assert.deepEqual(validateProxyConfig(withRoute({ match: { path: { type: 'RegularExpression', value: '/(a+)+$' }, headers: [], query: [] } })), []);
  const problems = validateProxyConfig(withRoute({ match: { path: { type: 'RegularExpression', value: '/(?=a)' }, headers: [], query: [] } }));
  assert.match(problems.join('\n'), /bad regex.*unsupported Perl syntax/);
});
