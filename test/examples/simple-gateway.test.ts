import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runExample } from '../support/examples.ts';

const ex = runExample('simple-gateway', 8081, { path: '/' });

test('simple gateway: every request reaches foo-svc', async () => {
  for (const p of ['/', '/a', '/a/b?c=d']) assert.equal(await ex.servedBy(p, { host: 'anything.example' }), 'foo-svc');
});
