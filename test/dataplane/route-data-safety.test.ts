// Route data is user input: header values with CR/LF, bad header names and bad redirect hostnames must cost one
// request a 500, never the process; hop-by-hop headers a filter sets must not fail the route. The handler is driven directly so the IR validation (which refuses such values
// up front) cannot hide a missing runtime guard.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, test } from 'node:test';
import { createMetrics } from '../../src/dataplane/metrics.ts';
import { handleRequest, type HandlerContext } from '../../src/dataplane/handler.ts';
import { compileRouter } from '../../src/dataplane/router.ts';
import { compileClusters, UpstreamPools } from '../../src/dataplane/upstream.ts';
import type * as ir from '../../src/ir/types.ts';
import { startEcho, type Echo } from '../support/echo-server.ts';
import { request } from '../support/http-client.ts';
import { cluster, exact, forwardTo, local, prefix, route, simpleListener } from './ir-builders.ts';

const modifier = (set: { name: string; value: string }[]): ir.HeaderModifier => ({ set, add: [], remove: [] });

let a: Echo;
let pools: UpstreamPools;
let server: http.Server;
let port: number;

before(async () => {
  a = await startEcho({ name: 'a' });
  pools = new UpstreamPools({ connectMs: 10_000, headersMs: 10_000, bodyMs: 10_000 });
  const dead = await startEcho({ name: 'dead' });
  await dead.close();
  const clusters = compileClusters({ a: cluster('a', [local(a.port)]), dead: cluster('dead', [local(dead.port)]) }, pools, true, new Set(), () => {});
  const router = compileRouter(
    simpleListener(0, [
      route('direct-bad-value', {
        path: exact('/direct'),
        action: { type: 'DirectResponse', status: 200, body: 'x' },
        filters: [{ type: 'ResponseHeaderModifier', modifier: modifier([{ name: 'x-bad', value: 'a\nb' }]) }],
      }),
      route('direct-bad-name', {
        path: exact('/name'),
        action: { type: 'DirectResponse', status: 200 },
        filters: [{ type: 'ResponseHeaderModifier', modifier: modifier([{ name: 'bad name', value: 'v' }]) }],
      }),
      route('redirect-bad-host', { path: exact('/redirect'), action: { type: 'Redirect', hostname: 'evil\r\nx-injected: 1', statusCode: 302 } }),
      route('forward-bad-response', {
        path: exact('/forward'),
        filters: [{ type: 'ResponseHeaderModifier', modifier: modifier([{ name: 'x-bad', value: 'a\r\nb' }]) }],
      }),
      route('dead-bad-response', {
        path: exact('/dead'),
        action: forwardTo(['dead', 1]),
        filters: [{ type: 'ResponseHeaderModifier', modifier: modifier([{ name: 'x-bad', value: 'a\nb' }]) }],
      }),
      route('forward-bad-request', {
        path: exact('/upstream'),
        filters: [{ type: 'RequestHeaderModifier', modifier: modifier([{ name: 'x-bad', value: 'a\nb' }]) }],
      }),
      route('hop', {
        path: exact('/hop'),
        filters: [
          {
            type: 'RequestHeaderModifier',
            modifier: modifier(
              ['connection', 'transfer-encoding', 'keep-alive', 'upgrade', 'expect', 'te']
                .map((name) => ({ name, value: 'x' }))
                .concat([{ name: 'host', value: 'override.example' }]),
            ),
          },
        ],
      }),
      route('good', { path: prefix('/') }),
    ]),
    clusters,
  );
  const ctx: HandlerContext = { metrics: createMetrics(undefined), accessLog: null, warn: () => {} };
  server = http.createServer((req, res) => handleRequest({ gateway: 'default/gw', port, router }, ctx, req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  port = (server.address() as { port: number }).port;
});

after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await pools.destroy();
  await a.close();
});

test('a CR/LF in a response header value answers 500 (direct response)', async () => {
  const res = await request(port, '/direct');
  assert.equal(res.status, 500);
  assert.equal(res.headers['x-bad'], undefined);
  assert.equal(res.headers['x-portico-error'], 'ERR_INVALID_CHAR');
});

test('a header name that is not a token answers 500', async () => {
  assert.equal((await request(port, '/name')).status, 500);
});

test('a redirect hostname with CR/LF answers 500 and injects nothing', async () => {
  const res = await request(port, '/redirect');
  assert.equal(res.status, 500);
  assert.equal(res.headers['x-injected'], undefined);
  assert.equal(res.headers.location, undefined);
});

test('a CR/LF in a response filter on a forwarded response answers 500', async () => {
  const res = await request(port, '/forward');
  assert.equal(res.status, 500);
  assert.equal(res.headers['x-bad'], undefined);
});

test('a CR/LF in a response filter on the proxy error answer (dead upstream) answers 500', async () => {
  const res = await request(port, '/dead');
  assert.equal(res.status, 500);
  assert.equal(res.headers['x-portico-error'], 'ERR_INVALID_CHAR');
});

test('a CR/LF in a request filter answers 502 without reaching the backend', async () => {
  const before = a.count();
  assert.equal((await request(port, '/upstream')).status, 502);
  assert.equal(a.count(), before);
});

test('hop-by-hop headers set by a filter are dropped instead of failing the request; Host can be overridden', async () => {
  const res = await request(port, '/hop');
  assert.equal(res.status, 200, res.body);
  const headers = res.json().headers;
  assert.equal(headers.host, 'override.example');
  for (const name of ['transfer-encoding', 'keep-alive', 'upgrade', 'expect', 'te']) assert.equal(headers[name], undefined, name);
  assert.notEqual(headers.connection, 'x');
});

test('the process and the other routes are unaffected', async () => {
  const res = await request(port, '/anything');
  assert.equal(res.status, 200);
  assert.equal(res.json().name, 'a');
});
