import assert from 'node:assert/strict';
import { test } from 'node:test';
import { STATES } from '../../bench/propagation/routechange.ts';

test('every routechange step, the wrap included, brings in a backend the previous state lacked', () => {
  for (let i = 0; i < STATES.length; i++) {
    const prev = new Set(STATES[i].map((b) => b.service));
    const next = STATES[(i + 1) % STATES.length];
    assert.ok(next.some((b) => !prev.has(b.service)), `state ${i} → ${(i + 1) % STATES.length}`);
  }
});
