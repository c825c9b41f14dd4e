// Redirect Location rules, prefix replacement, weighted choice: pure functions, no sockets.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileWeightedChoice, roundRobin } from '../../src/dataplane/balancer.ts';
import { replacePrefix } from '../../src/dataplane/path-rewrite.ts';
import { buildLocation } from '../../src/dataplane/redirect.ts';
import { normalizeTarget, removeDotSegments } from '../../src/dataplane/request-target.ts';
import { refuseEndpoint } from '../../src/dataplane/upstream.ts';
import { Warnings } from '../../src/dataplane/warnings.ts';
import type * as ir from '../../src/ir/types.ts';

const req = { scheme: 'http' as const, host: 'example.com', listenerPort: 8080, path: '/foo/bar', rawQuery: 'a=1' };
const redirect = (a: Partial<ir.RedirectAction>): ir.RedirectAction => ({ type: 'Redirect', statusCode: 302, ...a });

test('redirect port rules', () => {
  // No scheme, no port: keep the listener port.
  assert.equal(buildLocation(redirect({}), req, '/'), 'http://example.com:8080/foo/bar?a=1');
  assert.equal(buildLocation(redirect({}), { ...req, listenerPort: 80 }, '/'), 'http://example.com/foo/bar?a=1');
  // A scheme without a port: that scheme's well-known port, omitted.
  assert.equal(buildLocation(redirect({ scheme: 'https' }), req, '/'), 'https://example.com/foo/bar?a=1');
  assert.equal(buildLocation(redirect({ scheme: 'http' }), req, '/'), 'http://example.com/foo/bar?a=1');
  // An explicit port is kept unless it is the scheme's default.
  assert.equal(buildLocation(redirect({ scheme: 'https', port: 8443 }), req, '/'), 'https://example.com:8443/foo/bar?a=1');
  assert.equal(buildLocation(redirect({ scheme: 'https', port: 443 }), req, '/'), 'https://example.com/foo/bar?a=1');
  assert.equal(buildLocation(redirect({ port: 80 }), req, '/'), 'http://example.com/foo/bar?a=1');
  assert.equal(buildLocation(redirect({ hostname: 'other.org', port: 9000 }), req, '/'), 'http://other.org:9000/foo/bar?a=1');
});

test('redirect paths', () => {
  const full = redirect({ path: { type: 'ReplaceFullPath', value: '/new' } });
  assert.equal(buildLocation(full, { ...req, rawQuery: '' }, '/foo'), 'http://example.com:8080/new');
  const pre = redirect({ path: { type: 'ReplacePrefixMatch', value: '/' } });
  assert.equal(buildLocation(pre, req, '/foo'), 'http://example.com:8080/bar?a=1');
  assert.equal(buildLocation(redirect({}), { ...req, host: '::1' }, '/'), 'http://[::1]:8080/foo/bar?a=1');
});

test('replacePrefix never yields // and never an empty path', () => {
  const cases: [string, string, string, string][] = [
    ['/foo/bar', '/foo', '/xyz', '/xyz/bar'],
    ['/foo/bar', '/foo', '/xyz/', '/xyz/bar'],
    ['/foo/bar', '/foo', '/', '/bar'],
    ['/foo', '/foo', '/', '/'],
    ['/foo/', '/foo', '/xyz', '/xyz/'],
    ['/foo', '/foo', '/xyz', '/xyz'],
    ['/foo/bar', '/foo/', '/xyz', '/xyz/bar'],
    ['/bar', '/', '/xyz', '/xyz/bar'],
    ['/', '/', '/', '/'],
    ['/foobar', '/foo', '/x', '/foobar'],
  ];
  for (const [path, prefix, replacement, want] of cases) {
    assert.equal(replacePrefix(path, prefix, replacement), want, `${path} ${prefix}→${replacement}`);
  }
});

test('weighted choice: zero weight never picked, empty/all-zero gives undefined, 90/10 roughly holds', () => {
  assert.equal(compileWeightedChoice([]).pick(), undefined);
  assert.equal(compileWeightedChoice([{ value: 'a', weight: 0 }]).pick(), undefined);
  const only = compileWeightedChoice([{ value: 'a', weight: 100 }, { value: 'b', weight: 0 }]);
  for (let i = 0; i < 1000; i++) assert.equal(only.pick(), 'a');
  const split = compileWeightedChoice([{ value: 'a', weight: 9 }, { value: 'b', weight: 1 }]);
  let a = 0;
  for (let i = 0; i < 10_000; i++) if (split.pick() === 'a') a++;
  assert.ok(a > 8500 && a < 9500, `a picked ${a}/10000`);
});

test('round robin cycles', () => {
  const rr = roundRobin([1, 2, 3]);
  assert.deepEqual([rr.next(), rr.next(), rr.next(), rr.next()], [1, 2, 3, 1]);
  assert.equal(roundRobin([]).next(), undefined);
});

test('remove_dot_segments (RFC 3986 §5.2.4)', () => {
  const cases: [string, string][] = [
    ['/a/b/c/./../../g', '/a/g'],
    ['/public/../admin', '/admin'],
    ['/a/b/..', '/a/'],
    ['/a/.', '/a/'],
    ['/..', '/'],
    ['/../../x', '/x'],
    ['/a/.hidden/..b', '/a/.hidden/..b'],
    ['/', '/'],
  ];
  for (const [input, want] of cases) assert.equal(removeDotSegments(input), want, input);
});

test('request-target: unreserved escapes decoded before dot segments; absolute form split; junk refused', () => {
  assert.deepEqual(normalizeTarget('/public/%2e%2E/admin?x=%2e'), { path: '/admin', rawQuery: 'x=%2e' });
  assert.deepEqual(normalizeTarget('/a%2fb/%7e%41'), { path: '/a%2Fb/~A', rawQuery: '' });
  assert.deepEqual(normalizeTarget('http://Example.com:8080/a/../b?q'), { path: '/b', rawQuery: 'q', host: 'Example.com:8080' });
  assert.deepEqual(normalizeTarget('https://[::1]?q=1'), { path: '/', rawQuery: 'q=1', host: '[::1]' });
  assert.equal(normalizeTarget('ftp://x/a'), null);
  assert.equal(normalizeTarget('http://user@x/a'), null);
  assert.equal(normalizeTarget('*'), null);
  assert.equal(normalizeTarget('a/b'), null);
});

test('endpoints: names and shorthands are never used; addresses reaching this host only when allowed', () => {
  for (const a of ['localhost', '127.1', 'backend.example']) {
    assert.match(refuseEndpoint(a, true) ?? '', /not an IP address/, a);
  }
  for (const a of ['127.0.0.1', '127.9.9.9', '::1', '0:0:0:0:0:0:0:1', '::ffff:7f00:1', '::ffff:127.0.0.1', '0.0.0.0', '::']) {
    assert.match(refuseEndpoint(a, false) ?? '', /reaches this host/, a);
    assert.equal(refuseEndpoint(a, true), null, a);
  }
  for (const a of ['10.0.0.1', '::ffff:10.0.0.1', 'fd00::1']) assert.equal(refuseEndpoint(a, false), null, a);
});

test('warnings: said once while they hold, forgotten once an apply no longer sees them', () => {
  const said: string[] = [];
  const w = new Warnings((m) => said.push(m));
  w.begin();
  w.warn('x');
  w.warn('x');
  w.end(true);
  w.begin();
  w.warn('x');
  w.warn('y');
  w.end(true);
  w.begin();
  w.still(['y']);
  w.end(true);
  w.begin();
  w.warn('x');
  w.warn('y');
  w.end(true);
  assert.deepEqual(said, ['x', 'y', 'x']);
});
