import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runExample } from '../support/examples.ts';

const ex = runExample('quickstart', 8080, { path: '/' });

test('quickstart: / reaches web', async () => {
  assert.equal(await ex.servedBy('/'), 'web');
  assert.equal(await ex.servedBy('/anything/else'), 'web');
});

test('quickstart: /api reaches api with the header the route adds', async () => {
  const answer = await ex.get('/api/users');
  assert.equal(answer.status, 200);
  assert.equal(answer.json().name, 'api');
  assert.equal(answer.json().headers['x-portico-example'], 'quickstart');
  assert.equal(await ex.servedBy('/apix'), 'web', '/apix is not under the /api prefix');
});
