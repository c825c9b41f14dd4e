import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runExample, tally } from '../support/examples.ts';

const ex = runExample('traffic-split', 8083, { path: '/', host: 'foo.example.com' });

test('traffic split: 90/10 between foo-v1 and foo-v2', async () => {
  const counts = await tally(ex, 400, '/', { host: 'foo.example.com' });
  assert.equal((counts['foo-v1'] ?? 0) + (counts['foo-v2'] ?? 0), 400, JSON.stringify(counts));
  // Expected 40 for foo-v2; the bounds are five standard deviations wide so a random choice never flakes.
  assert.ok(counts['foo-v2'] >= 10 && counts['foo-v2'] <= 70, `foo-v2 got ${counts['foo-v2']} of 400`);
});
