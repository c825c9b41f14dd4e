// Upstream failures that need their own data plane settings: a slow upstream (504) and a client that goes away.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, test } from 'node:test';
import { startEcho, type Echo } from '../support/echo-server.ts';
import { eventually, request } from '../support/http-client.ts';
import { startPlane, type Plane } from './fixture.ts';
import { config, local, route, simpleListener } from './ir-builders.ts';

let a: Echo;
let plane: Plane;
before(async () => {
  a = await startEcho({ name: 'a' });
  // A short headers timeout so a held request times out; the test asserts the answer, never the time it took.
  plane = await startPlane([config({ listeners: [simpleListener(0, [route('r')])], backends: { a: [local(a.port)] } })], {
    upstreamTimeouts: { headersMs: 300 },
  });
});
after(async () => {
  await plane.close();
  await a.close();
});

test('an upstream that does not answer in time gives 504', async () => {
  const res = await request(plane.port, '/', { headers: { 'x-echo-hold': '1' } });
  assert.equal(res.status, 504);
  assert.equal(res.headers['x-portico-error'], 'UND_ERR_HEADERS_TIMEOUT');
  a.release();
});

test('a client that disconnects mid-request is logged as 499 and does not disturb the proxy', async () => {
  const req = http.get({ host: '127.0.0.1', port: plane.port, path: '/', headers: { 'x-echo-hold': '1' }, agent: false });
  req.on('error', () => {});
  await eventually(async () => a.held() === 1, 'the request to reach the backend');
  req.destroy();
  await eventually(async () => plane.log.some((e) => e.status === 499), 'the access log entry of the abandoned request');
  a.release();
  assert.equal((await request(plane.port, '/')).status, 200);
});
