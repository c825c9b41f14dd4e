// Session persistence (GEP-1619) through a real data plane: the first answer carries a token naming the endpoint it
// came from; requests carrying it go back there while the config lists that endpoint, whatever the weights say.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type * as ir from '../../src/ir/types.ts';
import { startEcho, type Echo } from '../support/echo-server.ts';
import { request } from '../support/http-client.ts';
import { startPlane, type Plane } from './fixture.ts';
import { config, local, prefix, route, simpleListener } from './ir-builders.ts';

let a1: Echo, a2: Echo, b: Echo;
let plane: Plane;

const cookie: ir.SessionPersistence = { type: 'Cookie', name: 'sess', lifetime: 'Session' };

function withSession(r: ir.HttpRoute, sp: ir.SessionPersistence, rule = 0): ir.HttpRoute {
  return { ...r, sessionPersistence: sp, source: { ...r.source, rule } };
}

function build(weights: { a: number; b: number }, aEndpoints = [a1, a2]): ir.ProxyConfig {
  const split: ir.ForwardAction = { type: 'Forward', backends: [{ cluster: 'a', weight: weights.a }, { cluster: 'b', weight: weights.b }] };
  return config({
    listeners: [simpleListener(0, [
      withSession(route('cookie', { path: prefix('/cookie') }), cookie, 0),
      // Same cookie name, another rule: must not share sessions with /cookie.
      withSession(route('other-rule', { path: prefix('/other-rule') }), cookie, 1),
      withSession(route('permanent', { path: prefix('/permanent') }), { type: 'Cookie', name: 'keep', lifetime: 'Permanent', absoluteTimeoutSeconds: 3600 }, 2),
      withSession(route('header', { path: prefix('/header') }), { type: 'Header', name: 'X-Session', lifetime: 'Session' }, 3),
      withSession(route('expiring', { path: prefix('/expiring') }), { type: 'Cookie', name: 'exp', lifetime: 'Session', absoluteTimeoutSeconds: 60 }, 4),
      withSession(route('split', { path: prefix('/split'), action: split }), { type: 'Cookie', name: 'split', lifetime: 'Session' }, 5),
      route('plain', { path: prefix('/plain') }),
    ])],
    backends: { a: aEndpoints.map((e) => local(e.port)), b: [local(b.port)] },
  });
}

/** `name=value` of the Set-Cookie line for `name`, and the line itself. */
function setCookie(headers: Record<string, unknown>, name: string): { pair: string; line: string } | undefined {
  const lines = (headers['set-cookie'] as string[] | undefined) ?? [];
  const line = lines.find((l) => l.startsWith(`${name}=`));
  return line === undefined ? undefined : { pair: line.split(';')[0], line };
}

before(async () => {
  a1 = await startEcho({ name: 'a1' });
  a2 = await startEcho({ name: 'a2' });
  b = await startEcho({ name: 'b' });
  plane = await startPlane([build({ a: 1, b: 0 })]);
});

after(async () => {
  await plane.close();
  await Promise.all([a1.close(), a2.close(), b.close()]);
});

test('a cookie session: issued once, opaque, then every request goes to the same endpoint', async () => {
  const first = await request(plane.port, '/cookie');
  assert.equal(first.status, 200);
  const c = setCookie(first.headers, 'sess');
  assert.ok(c, 'the first answer sets the session cookie');
  assert.match(c.line, /; Path=\/; HttpOnly$/);
  assert.doesNotMatch(c.line, /Max-Age|Expires/i, 'a Session cookie carries no expiry');
  assert.doesNotMatch(c.pair, /127\.0\.0\.1|%3A|:\d+/, 'the token does not show the endpoint address');
  const home = first.json().name;
  for (let i = 0; i < 20; i++) {
    const again = await request(plane.port, '/cookie', { headers: { cookie: `other=1; ${c.pair}` } });
    assert.equal(again.json().name, home);
    assert.equal(setCookie(again.headers, 'sess'), undefined, 'a valid session cookie is not re-issued');
  }
});

test('both endpoints get sessions: new clients are still balanced', async () => {
  const seen = new Set<string>();
  for (let i = 0; i < 20 && seen.size < 2; i++) seen.add((await request(plane.port, '/cookie')).json().name);
  assert.deepEqual([...seen].sort(), ['a1', 'a2']);
});

test('rules do not share sessions, even under one cookie name', async () => {
  const first = await request(plane.port, '/cookie');
  const c = setCookie(first.headers, 'sess')!;
  const other = await request(plane.port, '/other-rule', { headers: { cookie: c.pair } });
  const issued = setCookie(other.headers, 'sess');
  assert.ok(issued, 'the other rule ignores the token and issues its own');
  assert.notEqual(issued.pair, c.pair);
});

test('a Permanent cookie has Max-Age from absoluteTimeout', async () => {
  const c = setCookie((await request(plane.port, '/permanent')).headers, 'keep');
  assert.ok(c);
  assert.match(c.line, /; Max-Age=3600(;|$)/);
});

test('a header session: the answer names the header value, requests carrying it stick', async () => {
  const first = await request(plane.port, '/header');
  const token = first.headers['x-session'];
  assert.equal(typeof token, 'string');
  const home = first.json().name;
  for (let i = 0; i < 10; i++) {
    const again = await request(plane.port, '/header', { headers: { 'x-session': token as string } });
    assert.equal(again.json().name, home);
    assert.equal(again.headers['x-session'], token, 'a header session repeats its token');
  }
});

test('a token past absoluteTimeout is ignored and replaced', async () => {
  const c = setCookie((await request(plane.port, '/expiring')).headers, 'exp')!;
  const [name, value] = c.pair.split('=');
  const [id] = value.split('.');
  const longAgo = (Math.floor(Date.now() / 1000) - 3600).toString(36);
  const stale = await request(plane.port, '/expiring', { headers: { cookie: `${name}=${id}.${longAgo}` } });
  const renewed = setCookie(stale.headers, 'exp');
  assert.ok(renewed, 'an expired session gets a new token');
  assert.notEqual(renewed.pair.split('.')[1], longAgo);
  const garbage = await request(plane.port, '/expiring', { headers: { cookie: 'exp=not-a-token' } });
  assert.equal(garbage.status, 200);
  assert.ok(setCookie(garbage.headers, 'exp'), 'an unknown token is replaced');
});

test('a session outlives a weight change to zero, and ends when its endpoint goes away', async () => {
  await plane.apply([build({ a: 1, b: 1 })]);
  let pair: string | undefined;
  for (let i = 0; i < 100 && pair === undefined; i++) {
    const r = await request(plane.port, '/split');
    if (r.json().name === 'b') pair = setCookie(r.headers, 'split')?.pair;
  }
  assert.ok(pair, 'some request was balanced to b');
  await plane.apply([build({ a: 1, b: 0 })]);
  for (let i = 0; i < 5; i++) assert.equal((await request(plane.port, '/split', { headers: { cookie: pair } })).json().name, 'b');

  // a2 leaves the config: its sessions move to a1 with a new token.
  const first = await request(plane.port, '/cookie');
  let onA2 = first.json().name === 'a2' ? setCookie(first.headers, 'sess')!.pair : undefined;
  for (let i = 0; i < 20 && onA2 === undefined; i++) {
    const r = await request(plane.port, '/cookie');
    if (r.json().name === 'a2') onA2 = setCookie(r.headers, 'sess')!.pair;
  }
  assert.ok(onA2);
  await plane.apply([build({ a: 1, b: 0 }, [a1])]);
  const moved = await request(plane.port, '/cookie', { headers: { cookie: onA2 } });
  assert.equal(moved.json().name, 'a1');
  assert.ok(setCookie(moved.headers, 'sess'), 'the moved session gets a token for its new endpoint');
});

test('routes without session persistence never set cookies', async () => {
  const r = await request(plane.port, '/plain');
  assert.equal(r.headers['set-cookie'], undefined);
});
