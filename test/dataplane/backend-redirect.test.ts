// RequestRedirect on a backendRef (HTTPRouteBackendRequestRedirect): when that backend is chosen the client gets
// the redirect, with the path rules of a rule-level redirect; the backend itself is never asked.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startEcho, type Echo } from '../support/echo-server.ts';
import { request } from '../support/http-client.ts';
import { startPlane, type Plane } from './fixture.ts';
import { config, local, prefix, route, simpleListener } from './ir-builders.ts';

let echo: Echo;
let plane: Plane;

before(async () => {
  echo = await startEcho({ name: 'web' });
  plane = await startPlane([config({
    listeners: [simpleListener(0, [
      route('full', { path: prefix('/full'), action: { type: 'Forward', backends: [{ cluster: 'a', weight: 1, redirect: { type: 'Redirect', statusCode: 302, path: { type: 'ReplaceFullPath', value: '/redirected-full' } } }] } }),
      route('prefix', { path: prefix('/prefix'), action: { type: 'Forward', backends: [{ cluster: 'a', weight: 1, redirect: { type: 'Redirect', statusCode: 301, path: { type: 'ReplacePrefixMatch', value: '/redirected-prefix' } } }] } }),
      route('split', { path: prefix('/split'), action: { type: 'Forward', backends: [
        { cluster: 'a', weight: 1 },
        { cluster: 'a', weight: 1, redirect: { type: 'Redirect', statusCode: 302, hostname: 'elsewhere.example.com' } },
      ] } }),
    ])],
    backends: { a: [local(echo.port)] },
  })]);
});

after(async () => {
  await plane.close();
  await echo.close();
});

test('ReplaceFullPath and ReplacePrefixMatch redirects on a backendRef', async () => {
  const before = echo.count();
  const full = await request(plane.port, '/full/original', { host: 'gw.example.com' });
  assert.equal(full.status, 302);
  assert.equal(full.headers.location, `http://gw.example.com:${plane.port}/redirected-full`);
  const pre = await request(plane.port, '/prefix/original?x=1', { host: 'gw.example.com' });
  assert.equal(pre.status, 301);
  assert.equal(pre.headers.location, `http://gw.example.com:${plane.port}/redirected-prefix/original?x=1`);
  assert.equal(echo.count(), before);
});

test('only the backendRef carrying the redirect redirects', async () => {
  const statuses = new Set<number>();
  for (let i = 0; i < 100 && statuses.size < 2; i++) statuses.add((await request(plane.port, '/split', { host: 'gw.example.com' })).status);
  assert.deepEqual([...statuses].sort(), [200, 302]);
});
