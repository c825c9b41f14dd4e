// ExternalAuth (GEP-1494) over HTTP through a real data plane: the authorization service sees the request (method,
// prefixed path, host, authorization, allowed headers, body up to maxSize); 200 lets it through with the allowed
// answer headers, anything else is the client's answer, and an unreachable service fails closed.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import type * as ir from '../../src/ir/types.ts';
import { startEcho, type Echo } from '../support/echo-server.ts';
import { request } from '../support/http-client.ts';
import { startPlane, type Plane } from './fixture.ts';
import { config, local, prefix, route, simpleListener } from './ir-builders.ts';

type Seen = { method: string; path: string; headers: http.IncomingHttpHeaders; body: string };

let echo: Echo;
let auth: http.Server;
let authPort: number;
const seen: Seen[] = [];
let plane: Plane;
let closedPort: number;

function authFilter(opts: Partial<ir.ExternalAuthFilter> = {}): ir.ExternalAuthFilter {
  return { type: 'ExternalAuth', protocol: 'HTTP', cluster: 'auth', allowedRequestHeaders: [], allowedResponseHeaders: [], forwardBodyMaxSize: 0, ...opts };
}

before(async () => {
  echo = await startEcho({ name: 'app' });
  auth = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString() });
      if (req.headers.authorization === 'Bearer good') {
        res.writeHead(200, { 'x-auth-user': 'alice', 'x-auth-extra': 'more', 'content-type': 'text/plain' });
        return res.end('ok');
      }
      res.writeHead(401, { 'www-authenticate': 'Bearer realm="portico"', 'content-type': 'text/plain' });
      res.end('denied by policy');
    });
  });
  await new Promise<void>((r) => auth.listen(0, '127.0.0.1', r));
  authPort = (auth.address() as AddressInfo).port;
  // A port nothing listens on: bind, note, close.
  const probe = http.createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  closedPort = (probe.address() as AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));

  plane = await startPlane([config({
    listeners: [simpleListener(0, [
      route('checked', {
        path: prefix('/api'),
        filters: [
          { type: 'RequestHeaderModifier', modifier: { set: [{ name: 'x-user', value: 'from-filter' }], add: [], remove: [] } },
          authFilter({ pathPrefix: '/check', allowedRequestHeaders: ['x-user'], allowedResponseHeaders: ['x-auth-user'] }),
        ],
      }),
      route('all-headers', { path: prefix('/all'), filters: [authFilter()] }),
      route('body', { path: prefix('/body'), filters: [authFilter({ forwardBodyMaxSize: 16 })] }),
      route('down', { path: prefix('/down'), filters: [authFilter({ cluster: 'down' })] }),
      route('invalid', { path: prefix('/invalid'), filters: [authFilter({ cluster: null })] }),
    ])],
    backends: { a: [local(echo.port)], auth: [local(authPort)], down: [local(closedPort)] },
  })]);
});

after(async () => {
  await plane.close();
  await echo.close();
  auth.closeAllConnections();
  await new Promise<void>((r) => auth.close(() => r()));
});

test('allowed: the service saw the filtered request under its prefix; the backend gets the allowed answer headers', async () => {
  seen.length = 0;
  const res = await request(plane.port, '/api/items?q=1', { host: 'shop.example.com', headers: { authorization: 'Bearer good', 'x-secret': 's' } });
  assert.equal(res.status, 200);
  const upstream = res.json();
  assert.equal(upstream.name, 'app');
  assert.equal(upstream.headers['x-auth-user'], 'alice');
  assert.equal(upstream.headers['x-auth-extra'], undefined, 'only allowedResponseHeaders are copied');
  assert.equal(upstream.headers['content-type'], undefined);
  assert.equal(seen.length, 1);
  const asked = seen[0];
  assert.equal(asked.method, 'GET');
  assert.equal(asked.path, '/check/api/items?q=1');
  assert.equal(asked.headers.host, 'shop.example.com');
  assert.equal(asked.headers.authorization, 'Bearer good');
  assert.equal(asked.headers['x-user'], 'from-filter', 'the rule filters before the auth filter ran first');
  // A GET without body: undici sends no Content-Length, which on the wire means the same as 0 (RFC 9112 §6.3).
  assert.ok(asked.headers['content-length'] === undefined || asked.headers['content-length'] === '0');
  assert.equal(asked.headers['x-secret'], undefined, 'headers not allowed stay away from the service');
});

test('without forwardBody the service gets no body, the backend all of it', async () => {
  seen.length = 0;
  const res = await request(plane.port, '/api/upload', { method: 'POST', body: 'payload', headers: { authorization: 'Bearer good' } });
  assert.equal(res.status, 200);
  assert.equal(res.json().body, 'payload');
  assert.equal(seen[0].method, 'POST');
  assert.equal(seen[0].body, '');
  assert.equal(seen[0].headers['content-length'], '0');
});

test('denied: the client gets the service\'s answer, and the backend is never asked', async () => {
  const before = echo.count();
  const res = await request(plane.port, '/api/items', { headers: { authorization: 'Bearer bad' } });
  assert.equal(res.status, 401);
  assert.equal(res.body, 'denied by policy');
  assert.equal(res.headers['www-authenticate'], 'Bearer realm="portico"');
  assert.equal(echo.count(), before);
});

test('without allowedResponseHeaders every answer header but framing and origin ones is copied', async () => {
  const res = await request(plane.port, '/all', { headers: { authorization: 'Bearer good' } });
  const h = res.json().headers;
  assert.equal(h['x-auth-user'], 'alice');
  assert.equal(h['x-auth-extra'], 'more');
  assert.equal(h['content-type'], undefined);
});

test('forwardBody: the service sees the body, the backend gets it too; a larger body answers 413', async () => {
  seen.length = 0;
  const res = await request(plane.port, '/body', { method: 'POST', body: 'hello', headers: { authorization: 'Bearer good', 'content-type': 'text/plain' } });
  assert.equal(res.status, 200);
  assert.equal(res.json().body, 'hello');
  assert.equal(seen[0].body, 'hello');
  assert.equal(seen[0].headers['content-length'], '5');
  const big = await request(plane.port, '/body', { method: 'POST', body: 'x'.repeat(64), headers: { authorization: 'Bearer good' } });
  assert.equal(big.status, 413);
  assert.equal(big.headers['x-portico-error'], 'EXT_AUTH_BODY_TOO_LARGE');
});

test('fail closed: an unreachable service answers 403, an unresolved one 500; the backend is never asked', async () => {
  const before = echo.count();
  const down = await request(plane.port, '/down', { headers: { authorization: 'Bearer good' } });
  assert.equal(down.status, 403);
  assert.equal(down.headers['x-portico-error'], 'EXT_AUTH_UNAVAILABLE');
  const invalid = await request(plane.port, '/invalid', { headers: { authorization: 'Bearer good' } });
  assert.equal(invalid.status, 500);
  assert.equal(invalid.headers['x-portico-error'], 'EXT_AUTH_INVALID_REF');
  assert.equal(echo.count(), before);
});
