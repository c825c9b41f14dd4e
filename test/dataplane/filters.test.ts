// Each filter and each non-forward action, over real sockets.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startEcho, type Echo } from '../support/echo-server.ts';
import { request } from '../support/http-client.ts';
import { startPlane, type Plane } from './fixture.ts';
import { config, exact, local, prefix, route, simpleListener } from './ir-builders.ts';

let a: Echo;
let plane: Plane;

before(async () => {
  a = await startEcho({ name: 'a' });
  plane = await startPlane([
    config({
      listeners: [
        simpleListener(0, [
          route('req-headers', {
            path: prefix('/req'),
            filters: [
              {
                type: 'RequestHeaderModifier',
                modifier: {
                  set: [{ name: 'X-Set', value: 'set' }],
                  add: [{ name: 'X-Add', value: 'added' }],
                  remove: ['X-Remove'],
                },
              },
            ],
          }),
          route('res-headers', {
            path: prefix('/res'),
            filters: [
              {
                type: 'ResponseHeaderModifier',
                modifier: {
                  set: [{ name: 'x-set', value: 'set' }],
                  add: [{ name: 'x-echo-name', value: 'more' }],
                  remove: ['content-type'],
                },
              },
            ],
          }),
          route('rewrite-prefix', {
            path: prefix('/old'),
            filters: [{ type: 'URLRewrite', hostname: 'rewritten.example', path: { type: 'ReplacePrefixMatch', value: '/new' } }],
          }),
          route('rewrite-root', {
            path: prefix('/strip'),
            filters: [{ type: 'URLRewrite', path: { type: 'ReplacePrefixMatch', value: '/' } }],
          }),
          route('rewrite-full', {
            path: prefix('/full'),
            filters: [{ type: 'URLRewrite', path: { type: 'ReplaceFullPath', value: '/replaced' } }],
          }),
          route('redirect-https', { path: prefix('/secure'), action: { type: 'Redirect', scheme: 'https', statusCode: 301 } }),
          route('redirect-keep-port', {
            path: prefix('/moved'),
            action: { type: 'Redirect', hostname: 'other.example', statusCode: 302, path: { type: 'ReplacePrefixMatch', value: '/' } },
          }),
          route('direct', {
            path: exact('/teapot'),
            action: { type: 'DirectResponse', status: 418, body: 'short and stout' },
            filters: [{ type: 'ResponseHeaderModifier', modifier: { set: [{ name: 'x-kind', value: 'tea' }], add: [], remove: [] } }],
          }),
        ]),
      ],
      backends: { a: [local(a.port)] },
    }),
  ]);
});

after(async () => {
  await plane.close();
  await a.close();
});

test('RequestHeaderModifier: set replaces, add appends with a comma, remove deletes', async () => {
  const res = await request(plane.port, '/req', { headers: { 'x-set': 'old', 'x-add': 'first', 'x-remove': 'gone' } });
  const h = res.json().headers;
  assert.equal(h['x-set'], 'set');
  assert.equal(h['x-add'], 'first,added');
  assert.equal(h['x-remove'], undefined);
  const fresh = (await request(plane.port, '/req')).json().headers;
  assert.equal(fresh['x-add'], 'added');
});

test('ResponseHeaderModifier edits what the client receives', async () => {
  const res = await request(plane.port, '/res');
  assert.equal(res.headers['x-set'], 'set');
  assert.equal(res.headers['x-echo-name'], 'a,more');
  assert.equal(res.headers['content-type'], undefined);
});

test('URLRewrite: hostname and ReplacePrefixMatch', async () => {
  const echo = (await request(plane.port, '/old/thing?x=1', { host: 'orig.example' })).json();
  assert.equal(echo.path, '/new/thing?x=1');
  assert.equal(echo.headers.host, 'rewritten.example');
  assert.equal((await request(plane.port, '/old')).json().path, '/new');
});

test('URLRewrite: prefix replaced by / never yields //', async () => {
  assert.equal((await request(plane.port, '/strip/a/b')).json().path, '/a/b');
  assert.equal((await request(plane.port, '/strip')).json().path, '/');
});

test('URLRewrite: ReplaceFullPath keeps the query', async () => {
  assert.equal((await request(plane.port, '/full/deep/path?k=v')).json().path, '/replaced?k=v');
});

test('redirects: scheme without port drops the port; no scheme keeps the listener port', async () => {
  const secure = await request(plane.port, '/secure/x?y=1', { host: 'app.example' });
  assert.equal(secure.status, 301);
  assert.equal(secure.headers.location, 'https://app.example/secure/x?y=1');
  const moved = await request(plane.port, '/moved/deep', { host: 'app.example' });
  assert.equal(moved.status, 302);
  assert.equal(moved.headers.location, `http://other.example:${plane.port}/deep`);
});

test('DirectResponse answers status and body, with response filters applied', async () => {
  const res = await request(plane.port, '/teapot');
  assert.equal(res.status, 418);
  assert.equal(res.body, 'short and stout');
  assert.equal(res.headers['x-kind'], 'tea');
});
