import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runExample } from '../support/examples.ts';

const ex = runExample('http-routing', 8082, { path: '/', host: 'foo.example.com' });

test('http routing: by path on foo.example.com', async () => {
  assert.equal(await ex.servedBy('/login', { host: 'foo.example.com' }), 'foo-svc');
  assert.equal(await ex.servedBy('/login/sso', { host: 'foo.example.com' }), 'foo-svc');
  assert.equal(await ex.servedBy('/', { host: 'foo.example.com' }), 'foo-home');
  assert.equal(await ex.servedBy('/loginx', { host: 'foo.example.com:8082' }), 'foo-home');
});

test('http routing: by header on bar.example.com', async () => {
  assert.equal(await ex.servedBy('/', { host: 'bar.example.com', headers: { env: 'canary' } }), 'bar-svc-canary');
  assert.equal(await ex.servedBy('/', { host: 'bar.example.com', headers: { env: 'prod' } }), 'bar-svc');
  assert.equal(await ex.servedBy('/', { host: 'bar.example.com' }), 'bar-svc');
});

test('http routing: a host no route claims gets 404', async () => {
  assert.equal((await ex.get('/', { host: 'baz.example.com' })).status, 404);
});
