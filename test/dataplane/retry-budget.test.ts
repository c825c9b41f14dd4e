// XBackendTrafficPolicy retry budgets: the window arithmetic with explicit clocks, then a route whose retries stop
// with 503 once its backend's budget is spent.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import type * as ir from '../../src/ir/types.ts';
import { RetryBudget, retryBudgetFor } from '../../src/dataplane/retry-budget.ts';
import { request } from '../support/http-client.ts';
import { startPlane, type Plane } from './fixture.ts';
import { config, local, prefix, route, simpleListener } from './ir-builders.ts';

const HOUR = 3_600_000;

test('retries fit while under percent of the requests in the interval', () => {
  const b = new RetryBudget({ percent: 50, intervalMs: HOUR, minRetryCount: 0, minRetryIntervalMs: 1000 });
  assert.equal(b.tryRetry(0), false, 'no requests yet: no budget');
  for (let i = 0; i < 4; i++) b.sent(0);
  assert.equal(b.tryRetry(1), true);
  assert.equal(b.tryRetry(2), true);
  assert.equal(b.tryRetry(3), false, '2 retries of 4 requests is 50%');
  assert.equal(b.tryRetry(2 * HOUR), false, 'the window moved on: old requests no longer count');
  b.sent(2 * HOUR);
  b.sent(2 * HOUR);
  assert.equal(b.tryRetry(2 * HOUR), true);
});

test('minRetryRate allows a few retries however low the traffic', () => {
  const b = new RetryBudget({ percent: 0, intervalMs: HOUR, minRetryCount: 2, minRetryIntervalMs: 1000 });
  assert.equal(b.tryRetry(0), true);
  assert.equal(b.tryRetry(10), true);
  assert.equal(b.tryRetry(20), false);
  assert.equal(b.tryRetry(5000), true, 'a new minRetryRate interval');
});

test('one budget per cluster and settings, kept across config versions', () => {
  const spec: ir.RetryBudget = { percent: 20, intervalMs: 10_000, minRetryCount: 10, minRetryIntervalMs: 1000 };
  assert.equal(retryBudgetFor('Service/ns/x:80', spec), retryBudgetFor('Service/ns/x:80', { ...spec }));
  assert.notEqual(retryBudgetFor('Service/ns/x:80', spec), retryBudgetFor('Service/ns/y:80', spec));
});

let failing: http.Server;
let hits = 0;
let plane: Plane;

before(async () => {
  failing = http.createServer((_req, res) => {
    hits++;
    res.writeHead(503, { 'content-type': 'text/plain' });
    res.end('busy');
  });
  await new Promise<void>((r) => failing.listen(0, '127.0.0.1', r));
  const port = (failing.address() as AddressInfo).port;
  const budget: ir.RetryBudget = { percent: 0, intervalMs: HOUR, minRetryCount: 1, minRetryIntervalMs: HOUR };
  plane = await startPlane([config({
    listeners: [simpleListener(0, [
      { ...route('budgeted', { path: prefix('/budgeted'), action: { type: 'Forward', backends: [{ cluster: 'budget-test', weight: 1 }] } }), retry: { codes: [503], attempts: 3, backoffMs: 0, budgets: { 'budget-test': budget } } },
    ])],
    backends: { 'budget-test': [local(port)] },
  })]);
});

after(async () => {
  await plane.close();
  failing.closeAllConnections();
  await new Promise<void>((r) => failing.close(() => r()));
});

test('a spent budget stops retrying with 503 and says why', async () => {
  hits = 0;
  const first = await request(plane.port, '/budgeted');
  // One retry fits (minRetryCount 1), the second does not.
  assert.equal(hits, 2);
  assert.equal(first.status, 503);
  assert.equal(first.headers['x-portico-error'], 'RETRY_BUDGET_EXHAUSTED');
  hits = 0;
  const second = await request(plane.port, '/budgeted');
  assert.equal(hits, 1, 'no retry at all once spent');
  assert.equal(second.headers['x-portico-error'], 'RETRY_BUDGET_EXHAUSTED');
});
