// Route timeouts and retries over real sockets. No timed assertions: a backend that never answers plus a short
// configured timeout, and only the status is checked.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import type * as ir from '../../src/ir/types.ts';
import { startEcho, type Echo } from '../support/echo-server.ts';
import { request } from '../support/http-client.ts';
import { startPlane, type Plane } from './fixture.ts';
import { config, local, prefix, route, simpleListener } from './ir-builders.ts';

/**
 * `/<route>/fail/<n>/<code>/<id>` answers `code` the first n times for that id, then 200; `/<route>/hang` never
 * answers; `/<route>/hang-once/<id>` never answers the first time for that id, then 200.
 */
async function flaky() {
  const counts = new Map<string, number>();
  const server = http.createServer((req, res) => {
    req.resume();
    // The first segment is the route's prefix.
    const parts = (req.url ?? '').split('/').slice(2);
    if (parts[0] === 'hang') return;
    if (parts[0] === 'hang-once') {
      const seen = (counts.get(parts[1]!) ?? 0) + 1;
      counts.set(parts[1]!, seen);
      if (seen > 1) res.writeHead(200).end(`answered on attempt ${seen}`);
      return;
    }
    const [, n, code, id] = parts;
    const seen = (counts.get(id) ?? 0) + 1;
    counts.set(id, seen);
    if (seen <= Number(n)) res.writeHead(Number(code)).end(`failure ${seen}`);
    else res.writeHead(200).end(`success after ${seen - 1}`);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    count: (id: string) => counts.get(id) ?? 0,
    close: () => new Promise<void>((r) => {
      server.close(() => r());
      server.closeAllConnections();
    }),
  };
}

let backend: Awaited<ReturnType<typeof flaky>>;
/** A port nothing listens on: connections to it are refused. */
let closedPort = 0;
let echo: Echo;
let plane: Plane;

const withPolicy = (name: string, path: string, policy: { timeouts?: ir.RouteTimeouts; retry?: ir.RetryPolicy }, cluster = 'f'): ir.HttpRoute =>
  ({ ...route(name, { path: prefix(path), action: { type: 'Forward', backends: [{ cluster, weight: 1 }] } }), ...policy });

before(async () => {
  backend = await flaky();
  const probe = http.createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  closedPort = (probe.address() as AddressInfo).port;
  await new Promise((r) => probe.close(r));
  echo = await startEcho({ name: 'echo' });
  plane = await startPlane([
    config({
      listeners: [
        simpleListener(0, [
          withPolicy('req-timeout', '/rt', { timeouts: { requestMs: 50 } }),
          withPolicy('backend-timeout', '/bt', { timeouts: { backendRequestMs: 50 } }),
          withPolicy('timeout-ok', '/ok', { timeouts: { requestMs: 60_000, backendRequestMs: 30_000 } }, 'e'),
          withPolicy('retry-500', '/r500', { retry: { codes: [500], attempts: 3, backoffMs: 0 } }),
          withPolicy('retry-hang', '/rh', { retry: { codes: [504], attempts: 2, backoffMs: 0 }, timeouts: { backendRequestMs: 30 } }),
          withPolicy('retry-refused', '/rc', { retry: { codes: [500], attempts: 2, backoffMs: 0 } }, 'half-down'),
        ]),
      ],
      backends: { f: [local(backend.port)], e: [local(echo.port)], 'half-down': [local(closedPort), local(backend.port)] },
    }),
  ], { upstreamTimeouts: { headersMs: 60_000 } });
});

after(async () => {
  await plane.close();
  await Promise.all([backend.close(), echo.close()]);
});

test('a request timeout answers 504 when the backend never answers', async () => {
  const res = await request(plane.port, '/rt/hang');
  assert.equal(res.status, 504);
  assert.equal(res.headers['x-portico-error'], 'REQUEST_TIMEOUT');
});

test('a backend request timeout answers 504 when the backend never answers', async () => {
  const res = await request(plane.port, '/bt/hang');
  assert.equal(res.status, 504);
  assert.equal(res.headers['x-portico-error'], 'BACKEND_REQUEST_TIMEOUT');
});

test('an answer within the timeouts passes through, body included', async () => {
  const res = await request(plane.port, '/ok/x', { method: 'POST', body: 'hello' });
  assert.equal(res.status, 200);
  assert.equal(res.json().body, 'hello');
});

test('retries on a listed code until the backend succeeds within the attempts', async () => {
  const res = await request(plane.port, '/r500/fail/2/500/a');
  assert.equal(res.status, 200);
  assert.equal(res.body, 'success after 2');
  assert.equal(backend.count('a'), 3);
});

test('after the last attempt the client gets the backend\'s last answer', async () => {
  const res = await request(plane.port, '/r500/fail/9/500/b');
  assert.equal(res.status, 500);
  assert.equal(res.body, 'failure 4');
  assert.equal(backend.count('b'), 4);
});

test('a code not listed is not retried', async () => {
  const res = await request(plane.port, '/r500/fail/1/503/c');
  assert.equal(res.status, 503);
  assert.equal(backend.count('c'), 1);
});

test('each attempt has its own backend timeout; the last one answers 504', async () => {
  const res = await request(plane.port, '/rh/hang');
  assert.equal(res.status, 504);
  assert.equal(res.headers['x-portico-error'], 'BACKEND_REQUEST_TIMEOUT');
});

test('HTTPRouteRetryBackendTimeout: an attempt that times out is retried, and the next answer reaches the client', async () => {
  const res = await request(plane.port, '/rh/hang-once/t1');
  assert.equal(res.status, 200);
  assert.equal(res.body, 'answered on attempt 2');
});

test('HTTPRouteRetryConnectionError: a refused connection is retried on the next endpoint', async () => {
  // Round robin over [refused, backend]: whichever comes first, every request ends at the backend.
  for (const id of ['c1', 'c2', 'c3']) {
    const res = await request(plane.port, `/rc/fail/0/500/${id}`);
    assert.equal(res.status, 200, `request ${id}`);
  }
});

test('a request with a body is sent once, not replayed', async () => {
  const res = await request(plane.port, '/r500/fail/1/500/d', { method: 'POST', body: 'once' });
  assert.equal(res.status, 500);
  assert.equal(backend.count('d'), 1);
});
