// What reaches a route and its backend, over real sockets: normalised paths (no prefix bypass), absolute-form
// targets, Set-Cookie lines, and bodies cut short.
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { after, before, test } from 'node:test';
import { Registry } from 'prom-client';
import { startEcho, type Echo } from '../support/echo-server.ts';
import { eventually, request } from '../support/http-client.ts';
import { startPlane, type Plane } from './fixture.ts';
import { config, forwardTo, lhost, local, prefix, route, vhost } from './ir-builders.ts';

let pub: Echo;
let admin: Echo;
let abs: Echo;
let plane: Plane;
const registry = new Registry();

before(async () => {
  [pub, admin, abs] = await Promise.all(['public', 'admin', 'abs'].map((name) => startEcho({ name })));
  plane = await startPlane(
    [
      config({
        listeners: [
          {
            protocol: 'HTTP',
            port: 0,
            hosts: [
              lhost('http', null, [
                vhost('abs.example', [route('abs', { action: forwardTo(['abs', 1]) })]),
                vhost('*', [
                  route('public', { path: prefix('/public'), action: forwardTo(['public', 1]) }),
                  route('admin', { path: prefix('/admin'), action: forwardTo(['admin', 1]) }),
                  route('cookies', {
                    path: prefix('/cookies'),
                    action: forwardTo(['public', 1]),
                    filters: [{ type: 'ResponseHeaderModifier', modifier: { set: [], add: [{ name: 'Set-Cookie', value: 'c=3' }], remove: [] } }],
                  }),
                ]),
              ]),
            ],
          },
        ],
        backends: { public: [local(pub.port)], admin: [local(admin.port)], abs: [local(abs.port)] },
      }),
    ],
    { metricsRegistry: registry },
  );
});

after(async () => {
  await plane?.close();
  await Promise.all([pub, admin, abs].map((e) => e.close()));
});

/** Sends one raw request and returns the status line and the JSON body (the echo answers with content-length). */
function raw(port: number, requestLine: string, host: string): Promise<{ status: string; body: any }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(`${requestLine}\r\nHost: ${host}\r\nConnection: close\r\n\r\n`));
    let out = '';
    socket.setEncoding('utf8');
    socket.on('data', (c: string) => (out += c));
    socket.on('close', () => {
      const [head, body = ''] = out.split('\r\n\r\n');
      resolve({ status: head.split('\r\n')[0], body: body.startsWith('{') ? JSON.parse(body) : body });
    });
    socket.on('error', reject);
  });
}

test('dot segments are resolved before matching: /public/../admin is the admin route, sent as /admin', async () => {
  for (const path of ['/public/../admin/x', '/public/%2e%2e/admin/x', '/public/%2E%2e/admin/x', '/public/./../admin/x']) {
    const echo = (await request(plane.port, path)).json();
    assert.equal(echo.name, 'admin', path);
    assert.equal(echo.path, '/admin/x', path);
  }
});

test('escapes of unreserved characters are decoded; others are kept', async () => {
  const echo = (await request(plane.port, '/%70ublic/%7euser/a%2fb?q=%2e')).json();
  assert.equal(echo.name, 'public');
  assert.equal(echo.path, '/public/~user/a%2Fb?q=%2e');
});

test('dot segments cannot climb above the root', async () => {
  const echo = (await request(plane.port, '/../../public/x')).json();
  assert.equal(echo.path, '/public/x');
});

test('an absolute-form request is served in origin form, its authority replacing Host', async () => {
  const res = await raw(plane.port, 'GET http://abs.example:8080/public/x?q=1 HTTP/1.1', 'other.example');
  assert.match(res.status, / 200 /);
  assert.equal(res.body.name, 'abs');
  assert.equal(res.body.path, '/public/x?q=1');
  assert.equal(res.body.headers.host, 'abs.example:8080');
});

test('a request-target that is neither a path nor an http(s) URL answers 400', async () => {
  assert.match((await raw(plane.port, 'GET ftp://abs.example/x HTTP/1.1', 'x')).status, / 400 /);
});

test('Set-Cookie lines stay separate, including one added by a filter', async () => {
  const res = await request(plane.port, '/cookies', { headers: { 'x-echo-cookies': 'a=1; Expires=Wed, 21 Oct 2026 07:28:00 GMT|b=2' } });
  assert.equal(res.status, 200);
  assert.deepEqual(res.headers['set-cookie'], ['a=1; Expires=Wed, 21 Oct 2026 07:28:00 GMT', 'b=2', 'c=3']);
});

test('a body cut short by the upstream is counted as truncated, not as its 200', async () => {
  await new Promise<void>((resolve) => {
    const req = http.get({ host: '127.0.0.1', port: plane.port, path: '/public/cut', headers: { 'x-echo-truncate': '1' }, agent: false }, (res) => {
      res.on('error', () => resolve());
      res.on('close', () => resolve());
      res.resume();
    });
    req.on('error', () => resolve());
  });
  await eventually(async () => plane.log.some((e) => e.path === '/public/cut'), 'the access log entry of the cut request');
  const entry = plane.log.find((e) => e.path === '/public/cut')!;
  assert.equal(entry.status, 200);
  assert.equal(entry.truncated, true);
  assert.match(await registry.metrics(), /portico_http_requests_total\{[^}]*route="public",backend="public",code_class="truncated"\} 1/);
  assert.equal(plane.log.find((e) => e.route === 'admin')?.truncated, false);
});
