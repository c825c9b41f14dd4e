import { test } from 'node:test';
import assert from 'node:assert/strict';
import { debounce } from '../../src/sources/debounce.ts';

test('a burst of triggers runs once', async () => {
  let runs = 0;
  const d = debounce(() => { runs++; }, { holdoffMs: 5, maxMs: 50 });
  for (let i = 0; i < 20; i++) d.trigger();
  await d.idle();
  assert.equal(runs, 1);
});

test('flush runs pending work now', async () => {
  let runs = 0;
  const d = debounce(() => { runs++; }, { holdoffMs: 10_000, maxMs: 10_000 });
  d.trigger();
  await d.flush();
  assert.equal(runs, 1);
  await d.flush();
  assert.equal(runs, 1);
});


test('runs are serialised and the last trigger is applied', async () => {
  const order: string[] = [];
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let runs = 0;
  const d = debounce(async () => {
    runs++;
    order.push(`start${runs}`);
    if (runs === 1) await gate;
    order.push(`end${runs}`);
  }, { holdoffMs: 1, maxMs: 5 });
  d.trigger();
  while (runs === 0) await new Promise((r) => setImmediate(r));
  d.trigger();
  d.trigger();
  release();
  await d.flush();
  assert.deepEqual(order, ['start1', 'end1', 'start2', 'end2']);
});

test('an error in the function is reported and later runs still happen', async () => {
  const errors: unknown[] = [];
  let runs = 0;
  const d = debounce(() => { runs++; if (runs === 1) throw new Error('boom'); }, { holdoffMs: 1, onError: (e) => errors.push(e) });
  d.trigger();
  await d.idle();
  d.trigger();
  await d.idle();
  assert.equal(runs, 2);
  assert.equal(errors.length, 1);
});

test('cancel drops pending work', async () => {
  let runs = 0;
  const d = debounce(() => { runs++; }, { holdoffMs: 5 });
  d.trigger();
  d.cancel();
  await d.idle();
  d.trigger();
  await d.flush();
  assert.equal(runs, 0);
});

test('leading: a trigger after a quiet period runs without waiting for the holdoff', async () => {
  let runs = 0;
  // An hour of holdoff: only the leading run can finish within the test.
  const d = debounce(() => { runs++; }, { holdoffMs: 3_600_000, maxMs: 3_600_000, leading: true });
  d.trigger();
  d.trigger();
  await d.idle();
  assert.equal(runs, 1);
  d.cancel();
});

test('leading: triggers during a run are gathered into one run after it', async () => {
  let runs = 0;
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const d = debounce(async () => {
    runs++;
    if (runs === 1) await gate;
  }, { holdoffMs: 1, maxMs: 5, leading: true });
  d.trigger();
  while (runs === 0) await new Promise((r) => setImmediate(r));
  d.trigger();
  d.trigger();
  release();
  await d.flush();
  assert.equal(runs, 2);
});

test('leading: a trigger right after a run waits for the holdoff', async () => {
  let runs = 0;
  const d = debounce(() => { runs++; }, { holdoffMs: 3_600_000, maxMs: 3_600_000, leading: true });
  d.trigger();
  await d.idle();
  d.trigger();
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  assert.equal(runs, 1);
  await d.flush();
  assert.equal(runs, 2);
});

test('leading: the holdoff counts from the end of the last run, and later triggers do not push it back', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'] });
  let runs = 0;
  const d = debounce(() => { runs++; }, { holdoffMs: 100, maxMs: 1_000, leading: true });
  d.trigger();
  await d.idle();
  assert.equal(runs, 1);
  t.mock.timers.tick(60);
  d.trigger();
  t.mock.timers.tick(30);
  d.trigger();
  t.mock.timers.tick(9);
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  assert.equal(runs, 1);
  t.mock.timers.tick(1);
  await d.idle();
  assert.equal(runs, 2);
  d.cancel();
});
