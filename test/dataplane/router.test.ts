// The compiled router alone: host lookup, listener isolation, route precedence and every match kind. No sockets.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileRouter } from '../../src/dataplane/router.ts';
import type * as ir from '../../src/ir/types.ts';
import { exact, lhost, prefix, regex, route, simpleListener, vhost } from './ir-builders.ts';

const pick = (l: ir.HttpListener, host: string, path: string, method = 'GET', headers: Record<string, string> = {}) =>
  compileRouter(l).select({ host, method, path, headers })?.route.name ?? null;

test('listener isolation: the first listener host matching the Host wins, and only its routes are seen', () => {
  const l: ir.HttpListener = {
    protocol: 'HTTP',
    port: 80,
    hosts: [
      lhost('exact', 'foo.example.com', [vhost('foo.example.com', [route('exact-route', { path: prefix('/only') })])]),
      lhost('wild', '*.example.com', [vhost('*.example.com', [route('wild-route')])]),
      lhost('any', null, [vhost('*', [route('any-route')])]),
    ],
  };
  assert.equal(pick(l, 'foo.example.com', '/only/x'), 'exact-route');
  // foo.example.com belongs to the exact listener: its unmatched paths do not fall through to other listeners.
  assert.equal(pick(l, 'foo.example.com', '/other'), null);
  assert.equal(pick(l, 'bar.example.com', '/'), 'wild-route');
  assert.equal(pick(l, 'a.b.example.com:8080', '/'), 'wild-route');
  assert.equal(pick(l, 'example.com', '/'), 'any-route');
  assert.equal(pick(l, 'FOO.Example.COM', '/only'), 'exact-route');
});

test('virtual hosts: exact, then wildcard, then *; wildcard needs at least one label', () => {
  const l: ir.HttpListener = {
    protocol: 'HTTP',
    port: 80,
    hosts: [
      lhost('http', null, [
        vhost('a.example.com', [route('exact')]),
        vhost('*.example.com', [route('wild')]),
        vhost('*', [route('any')]),
      ]),
    ],
  };
  assert.equal(pick(l, 'a.example.com', '/'), 'exact');
  assert.equal(pick(l, 'b.example.com', '/'), 'wild');
  assert.equal(pick(l, 'example.com', '/'), 'any');
  assert.equal(pick(l, 'xexample.com', '/'), 'any');
  assert.equal(pick(l, '[::1]:80', '/'), 'any');
});

test('no listener host for the Host → no route', () => {
  const l: ir.HttpListener = { protocol: 'HTTP', port: 80, hosts: [lhost('h', 'foo.com', [vhost('foo.com', [route('r')])])] };
  assert.equal(pick(l, 'bar.com', '/'), null);
});

test('routes are tried in the given order: first match wins', () => {
  const l = simpleListener(80, [
    route('exact', { path: exact('/foo') }),
    route('longer', { path: prefix('/foo/bar') }),
    route('short', { path: prefix('/foo') }),
    route('root', { path: prefix('/') }),
  ]);
  assert.equal(pick(l, 'x', '/foo'), 'exact');
  assert.equal(pick(l, 'x', '/foo/bar/baz'), 'longer');
  assert.equal(pick(l, 'x', '/foo/barbaz'), 'short');
  assert.equal(pick(l, 'x', '/foobar'), 'root');
  assert.equal(pick(l, 'x', '/foo?x=1'), 'exact');
});

test('PathPrefix matches on segment boundaries only', () => {
  const l = simpleListener(80, [route('p', { path: prefix('/api') })]);
  assert.equal(pick(l, 'x', '/api'), 'p');
  assert.equal(pick(l, 'x', '/api/'), 'p');
  assert.equal(pick(l, 'x', '/api/v1'), 'p');
  assert.equal(pick(l, 'x', '/apiv1'), null);
  assert.equal(pick(l, 'x', '/'), null);
});

test('RegularExpression path is a full match', () => {
  const l = simpleListener(80, [route('re', { path: regex('/v[0-9]+/items') })]);
  assert.equal(pick(l, 'x', '/v12/items'), 're');
  assert.equal(pick(l, 'x', '/v12/items/x'), null);
  assert.equal(pick(l, 'x', '/pre/v1/items'), null);
});

test('headers: names case-insensitive, Exact values case-sensitive, RegularExpression full match', () => {
  const l = simpleListener(80, [
    route('exact', { headers: [{ type: 'Exact', name: 'x-env', value: 'Canary' }] }),
    route('re', { headers: [{ type: 'RegularExpression', name: 'x-version', value: 'v[12]' }] }),
  ]);
  assert.equal(pick(l, 'x', '/', 'GET', { 'X-Env': 'Canary' }), 'exact');
  assert.equal(pick(l, 'x', '/', 'GET', { 'x-env': 'canary' }), null);
  assert.equal(pick(l, 'x', '/', 'GET', { 'x-version': 'v2' }), 're');
  assert.equal(pick(l, 'x', '/', 'GET', { 'x-version': 'v22' }), null);
});

test('query parameters: decoded value, first of repeated, Exact and RegularExpression', () => {
  const l = simpleListener(80, [
    route('q', { query: [{ type: 'Exact', name: 'name', value: 'a b' }] }),
    route('qre', { query: [{ type: 'RegularExpression', name: 'id', value: '[0-9]+' }] }),
  ]);
  assert.equal(pick(l, 'x', '/?name=a%20b'), 'q');
  assert.equal(pick(l, 'x', '/?name=a%20b&name=zzz'), 'q');
  assert.equal(pick(l, 'x', '/?name=zzz&name=a%20b'), null);
  assert.equal(pick(l, 'x', '/?id=42'), 'qre');
  assert.equal(pick(l, 'x', '/?id=42x'), null);
});

test('method match and combined conditions (AND)', () => {
  const l = simpleListener(80, [
    route('post-api', { method: 'POST', path: prefix('/api'), headers: [{ type: 'Exact', name: 'x', value: '1' }] }),
  ]);
  assert.equal(pick(l, 'x', '/api', 'POST', { x: '1' }), 'post-api');
  assert.equal(pick(l, 'x', '/api', 'GET', { x: '1' }), null);
  assert.equal(pick(l, 'x', '/api', 'POST'), null);
});

test('an invalid regex is reported and never matches; other routes keep working', () => {
  const router = compileRouter(simpleListener(80, [route('bad', { path: regex('([') }), route('good')]));
  assert.equal(router.problems.length, 1);
  assert.match(router.problems[0].message, /invalid/);
  assert.equal(router.problems[0].route, 'bad');
  assert.equal(router.select({ host: 'x', method: 'GET', path: '/(' })?.route.name, 'good');
});

test('regexes run on RE2: a catastrophic-backtracking pattern answers at once', { timeout: 60_000 }, () => {
  // With a backtracking engine this input takes longer than the age of the universe; RE2 is linear.
  const l = simpleListener(80, [route('redos', { headers: [{ type: 'RegularExpression', name: 'x', value: '(a+)+$' }] })]);
  assert.equal(pick(l, 'x', '/', 'GET', { x: 'a'.repeat(64) + 'b' }), null);
  assert.equal(pick(l, 'x', '/', 'GET', { x: 'aaaa' }), 'redos');
});

test('a pattern outside RE2 (backreference, lookahead) is reported, not run on another engine', () => {
  const router = compileRouter(simpleListener(80, [route('backref', { path: regex('/(a)\\1') }), route('look', { path: regex('/(?=a)a') })]));
  assert.deepEqual(router.problems.map((p) => p.route), ['backref', 'look']);
  assert.equal(router.select({ host: 'x', method: 'GET', path: '/aa' }), null);
});
