import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runExample, tally } from '../support/examples.ts';

const ex = runExample('header-canary', 8084, { path: '/', host: 'foo.example.com' });

test('header canary: traffic: test always reaches foo-v2', async () => {
  assert.deepEqual(await tally(ex, 50, '/', { host: 'foo.example.com', headers: { traffic: 'test' } }), { 'foo-v2': 50 });
});

test('header canary: other requests are split 90/10', async () => {
  const counts = await tally(ex, 400, '/', { host: 'foo.example.com', headers: { traffic: 'prod' } });
  assert.ok(counts['foo-v2'] >= 10 && counts['foo-v2'] <= 70, `foo-v2 got ${counts['foo-v2']} of 400`);
});
