// Forwarding over real sockets: backend choice, error answers, header hygiene, streaming bodies, metrics, logs.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Registry } from 'prom-client';
import { createDataPlane } from '../../src/dataplane/dataplane.ts';
import { startEcho, type Echo } from '../support/echo-server.ts';
import { request } from '../support/http-client.ts';
import { startPlane, type Plane } from './fixture.ts';
import { config, forwardTo, local, prefix, route, simpleListener } from './ir-builders.ts';

let a: Echo;
let b: Echo;
let deadPort: number;
let plane: Plane;
const registry = new Registry();

before(async () => {
  a = await startEcho({ name: 'a' });
  b = await startEcho({ name: 'b' });
  const dead = await startEcho({ name: 'dead' });
  deadPort = dead.port;
  await dead.close();
  plane = await startPlane(
    [
      config({
        listeners: [
          simpleListener(0, [
            route('to-a', { path: prefix('/a') }),
            route('split', { path: prefix('/split'), action: forwardTo(['a', 90], ['b', 10]) }),
            route('all-a', { path: prefix('/hundred'), action: forwardTo(['a', 100], ['b', 0]) }),
            route('half-invalid', { path: prefix('/half'), action: forwardTo(['a', 1], [null, 1]) }),
            route('invalid', { path: prefix('/invalid'), action: forwardTo([null, 1]) }),
            route('zero', { path: prefix('/zero'), action: forwardTo(['a', 0]) }),
            route('empty', { path: prefix('/empty'), action: forwardTo() }),
            route('no-endpoints', { path: prefix('/none'), action: forwardTo(['none', 1]) }),
            route('dead', { path: prefix('/dead'), action: forwardTo(['dead', 1]) }),
            route('rr', { path: prefix('/rr'), action: forwardTo(['ab', 1]) }),
          ]),
        ],
        backends: { a: [local(a.port)], b: [local(b.port)], none: [], dead: [local(deadPort)], ab: [local(a.port), local(b.port)] },
      }),
    ],
    { metricsRegistry: registry },
  );
});

after(async () => {
  await plane.close();
  await a.close();
  await b.close();
});

test('forwards to the backend with path, query, method, Host and X-Forwarded-*', async () => {
  const res = await request(plane.port, '/a/x?q=1', { host: 'app.example.com:81', headers: { 'x-forwarded-for': '10.0.0.1' } });
  assert.equal(res.status, 200);
  const echo = res.json();
  assert.equal(echo.name, 'a');
  assert.equal(echo.path, '/a/x?q=1');
  assert.equal(echo.headers.host, 'app.example.com:81');
  assert.equal(echo.headers['x-forwarded-for'], '10.0.0.1, 127.0.0.1');
  assert.equal(echo.headers['x-forwarded-proto'], 'http');
  assert.equal(echo.headers['x-forwarded-host'], 'app.example.com:81');
  assert.equal(res.headers['x-echo-name'], 'a');
});

test('hop-by-hop headers are not forwarded, including those named by Connection', async () => {
  const res = await request(plane.port, '/a', { headers: { connection: 'x-private, keep-alive', 'x-private': '1', te: 'trailers', 'x-kept': 'yes' } });
  const headers = res.json().headers;
  assert.equal(headers['x-private'], undefined);
  assert.equal(headers.te, undefined);
  assert.equal(headers['x-kept'], 'yes');
});

test('request bodies stream to the backend', async () => {
  const body = 'x'.repeat(200_000);
  const res = await request(plane.port, '/a/upload', { method: 'POST', body, headers: { 'content-type': 'text/plain' } });
  assert.equal(res.status, 200);
  assert.equal(res.json().body.length, body.length);
  assert.equal(res.json().method, 'POST');
});

test('no route → 404', async () => {
  assert.equal((await request(plane.port, '/nowhere')).status, 404);
});

test('weights: 100/0 is exact, 90/10 within a generous tolerance', async () => {
  for (let i = 0; i < 50; i++) assert.equal((await request(plane.port, '/hundred')).json().name, 'a');
  let toA = 0;
  const n = 400;
  for (let i = 0; i < n; i++) if ((await request(plane.port, '/split')).json().name === 'a') toA++;
  assert.ok(toA > n * 0.8 && toA < n * 0.97, `a got ${toA}/${n}`);
});

test('invalid share answers 500; empty and all-zero backends answer 500', async () => {
  const statuses = new Set<number>();
  for (let i = 0; i < 60; i++) statuses.add((await request(plane.port, '/half')).status);
  assert.deepEqual([...statuses].sort(), [200, 500]);
  assert.equal((await request(plane.port, '/invalid')).status, 500);
  assert.equal((await request(plane.port, '/zero')).status, 500);
  assert.equal((await request(plane.port, '/empty')).status, 500);
});

test('a cluster without endpoints answers 503; a dead endpoint answers 502', async () => {
  assert.equal((await request(plane.port, '/none')).status, 503);
  const dead = await request(plane.port, '/dead');
  assert.equal(dead.status, 502);
  assert.equal(dead.headers['x-portico-error'], 'ECONNREFUSED');
});

test('round robin across endpoints', async () => {
  const names = [];
  for (let i = 0; i < 4; i++) names.push((await request(plane.port, '/rr')).json().name);
  assert.deepEqual(names.sort(), ['a', 'a', 'b', 'b']);
});

test('metrics and access log', async () => {
  await request(plane.port, '/a/metrics-check');
  const text = await registry.metrics();
  assert.match(text, /portico_http_requests_total\{gateway="default\/gw",listener="http",route="to-a",backend="a",code_class="2xx"\} \d+/);
  assert.match(text, /portico_http_requests_total\{[^}]*route="",backend="",code_class="4xx"\}/);
  assert.match(text, /portico_http_request_duration_seconds_bucket\{[^}]*route="to-a"/);
  const entry = plane.log.find((e) => e.path === '/a/metrics-check');
  assert.ok(entry);
  assert.equal(entry.route, 'to-a');
  assert.equal(entry.backend, 'a');
  assert.equal(entry.listener, 'http');
  assert.equal(entry.status, 200);
  assert.equal(entry.method, 'GET');
});

test('loopback endpoints are refused (503, with a warning) unless allowed', async () => {
  const warnings: string[] = [];
  const dp = createDataPlane({ warn: (m) => warnings.push(m) });
  const [result] = await dp.apply([
    config({ listeners: [simpleListener(0, [route('r')])], backends: { a: [local(a.port)] } }),
  ]);
  try {
    const before = a.count();
    const res = await request(result.listeners[0].port, '/');
    assert.equal(res.status, 503);
    assert.equal(a.count(), before, 'the loopback backend must not be contacted');
    assert.ok(warnings.some((w) => w.includes('loopback')), warnings.join('\n'));
  } finally {
    await dp.close(1000);
  }
});
