import assert from 'node:assert/strict';
import test from 'node:test';
import { summarise } from '../../bench/dataplane/fixed-rate-run.ts';

test('hey CSV rows become percentiles in ms; non-200 rows count as errors', () => {
  // response-time,DNS+dialup,DNS,Request-write,Response-delay,Response-read,status-code,offset
  const rows = [
    ...Array.from({ length: 98 }, (_, i) => `0.000${(i % 9) + 1},0,0,0,0,0,200,${i / 100}`),
    '0.0120,0,0,0,0,0,200,0.99',
    '0.0450,0,0,0,0,0,200,1.00',
    '0.0010,0,0,0,0,0,502,1.01',
  ];
  const r = summarise(rows, 2);
  assert.equal(r.sent, 101);
  assert.equal(r.answered, 100);
  assert.equal(r.errors, 1);
  assert.equal(r.achievedRps, 50);
  assert.ok(Math.abs(r.p50 - 0.5) < 1e-9);
  assert.ok(Math.abs(r.p99 - 12) < 1e-9);
  assert.ok(Math.abs(r.max - 45) < 1e-9);
});
