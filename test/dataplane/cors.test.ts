// The CORS filter: preflights answered by the gateway, origin matching (exact, `*.` wildcards, `*`, ports),
// credentials only when asked, and headers on the actual answer only for allowed origins.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type * as ir from '../../src/ir/types.ts';
import { compileCors } from '../../src/dataplane/filters/cors.ts';
import { startEcho, type Echo } from '../support/echo-server.ts';
import { request } from '../support/http-client.ts';
import { startPlane, type Plane } from './fixture.ts';
import { config, local, prefix, route, simpleListener } from './ir-builders.ts';

const policy = (p: Partial<ir.CorsPolicy>): ir.CorsPolicy => ({
  allowOrigins: [], allowMethods: [], allowHeaders: [], exposeHeaders: [], allowCredentials: false, maxAgeSeconds: 5, ...p,
});

const listed = policy({
  allowOrigins: ['https://www.foo.com', 'https://*.bar.com', 'http://local.test:8080'],
  allowMethods: ['GET', 'OPTIONS'],
  allowHeaders: ['x-header-1', 'x-header-2'],
  exposeHeaders: ['x-header-3', 'x-header-4'],
  allowCredentials: true,
  maxAgeSeconds: 3600,
});
const wildcard = policy({ allowOrigins: ['*'], allowMethods: ['*'], allowHeaders: ['*'] });

let echo: Echo;
let plane: Plane;

before(async () => {
  echo = await startEcho({ name: 'a' });
  plane = await startPlane([
    config({
      listeners: [
        simpleListener(0, [
          route('listed', { path: prefix('/listed'), filters: [{ type: 'CORS', cors: listed }] }),
          route('wild', { path: prefix('/wild'), filters: [{ type: 'CORS', cors: wildcard }] }),
        ]),
      ],
      backends: { a: [local(echo.port)] },
    }),
  ]);
});

after(async () => {
  await plane.close();
  await echo.close();
});

const preflight = (origin: string, extra: Record<string, string> = {}) =>
  ({ method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'GET', ...extra } });

test('a preflight from a listed origin is answered by the gateway with every CORS header', async () => {
  const before = echo.count();
  const res = await request(plane.port, '/listed', preflight('https://www.foo.com', { 'access-control-request-headers': 'x-header-1' }));
  assert.equal(res.status, 204);
  assert.equal(res.headers['access-control-allow-origin'], 'https://www.foo.com');
  assert.equal(res.headers['access-control-allow-methods'], 'GET, OPTIONS');
  assert.equal(res.headers['access-control-allow-headers'], 'x-header-1, x-header-2');
  assert.equal(res.headers['access-control-expose-headers'], 'x-header-3, x-header-4');
  assert.equal(res.headers['access-control-max-age'], '3600');
  assert.equal(res.headers['access-control-allow-credentials'], 'true');
  assert.equal(echo.count(), before, 'the backend never sees a preflight');
});

test('`*.` matches any number of labels, but not the bare domain', async () => {
  for (const origin of ['https://www.bar.com', 'https://a.b.bar.com']) {
    const res = await request(plane.port, '/listed', preflight(origin));
    assert.equal(res.headers['access-control-allow-origin'], origin);
  }
  const bare = await request(plane.port, '/listed', preflight('https://bar.com'));
  assert.equal(bare.headers['access-control-allow-origin'], undefined);
});

test('a preflight from another origin, scheme or port gets no CORS headers', async () => {
  for (const origin of ['https://foobar.com', 'http://www.foo.com', 'https://www.foo.com:8443', 'http://local.test']) {
    const res = await request(plane.port, '/listed', preflight(origin));
    assert.ok([200, 204, 403].includes(res.status));
    assert.equal(res.headers['access-control-allow-origin'], undefined, origin);
    assert.equal(res.headers['access-control-allow-credentials'], undefined, origin);
  }
  const port = await request(plane.port, '/listed', preflight('http://local.test:8080'));
  assert.equal(port.headers['access-control-allow-origin'], 'http://local.test:8080');
});

test('an actual request from an allowed origin reaches the backend and gets the CORS headers', async () => {
  const res = await request(plane.port, '/listed/x', { headers: { origin: 'https://www.foo.com' } });
  assert.equal(res.status, 200);
  assert.equal(res.headers['x-echo-name'], 'a');
  assert.equal(res.headers['access-control-allow-origin'], 'https://www.foo.com');
  assert.equal(res.headers['access-control-allow-credentials'], 'true');
  assert.equal(res.headers['access-control-expose-headers'], 'x-header-3, x-header-4');
  assert.match(String(res.headers.vary), /Origin/);
});

test('an actual request from another origin gets no CORS headers', async () => {
  const res = await request(plane.port, '/listed/x', { headers: { origin: 'https://foobar.com' } });
  assert.equal(res.status, 200);
  assert.equal(res.headers['access-control-allow-origin'], undefined);
});

test('wildcards echo the requested method and headers, and credentials stay absent unless asked', async () => {
  const res = await request(plane.port, '/wild', {
    method: 'OPTIONS',
    headers: { origin: 'https://foobar.com:12345', 'access-control-request-method': 'PUT', 'access-control-request-headers': 'x-a, x-b' },
  });
  assert.equal(res.status, 204);
  assert.equal(res.headers['access-control-allow-origin'], 'https://foobar.com:12345');
  assert.equal(res.headers['access-control-allow-methods'], 'PUT');
  assert.equal(res.headers['access-control-allow-headers'], 'x-a, x-b');
  assert.equal(res.headers['access-control-allow-credentials'], undefined);
});

test('an OPTIONS request without Access-Control-Request-Method is not a preflight: it is forwarded', async () => {
  const res = await request(plane.port, '/wild', { method: 'OPTIONS', headers: { origin: 'https://x.com' } });
  assert.equal(res.status, 200);
  assert.equal(res.headers['x-echo-name'], 'a');
});

test('without Access-Control-Request-Headers no Allow-Headers is sent', () => {
  const out = compileCors(listed).preflight({ origin: 'https://www.foo.com', 'access-control-request-method': 'GET' });
  assert.equal(out['access-control-allow-headers'], undefined);
  assert.equal(out['access-control-allow-methods'], 'GET, OPTIONS');
});
