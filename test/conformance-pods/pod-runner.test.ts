import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PodRunner, type Starters } from '../../conformance/pods/pod-runner.ts';
import type { Pod, PodServer } from '../../conformance/pods/types.ts';
import { testPod } from './helpers.ts';

type Call = string;

function fakeStarters(calls: Call[], failures: Record<string, number> = {}): Starters {
  const make = (kind: string) => async (pod: Pod): Promise<PodServer> => {
    const key = `${kind} ${pod.ip}`;
    if ((failures[key] ?? 0) > 0) {
      failures[key]!--;
      calls.push(`fail ${key}`);
      throw new Error('listen EADDRNOTAVAIL');
    }
    calls.push(`start ${key}`);
    return { close: async () => void calls.push(`close ${key}`) };
  };
  return { http: make('http'), grpc: make('grpc'), tcp: make('tcp'), udp: make('udp'), dns: make('dns') };
}

const quiet = () => {};

test('runner: starts by kind, keeps an unchanged pod, restarts on change, closes on removal', async () => {
  const calls: Call[] = [];
  const r = new PodRunner({ starters: fakeStarters(calls), log: quiet });
  await r.set('ns/a', testPod('10.0.0.1'), 'v1');
  await r.set('ns/a', testPod('10.0.0.1'), 'v1');
  await r.set('ns/b', testPod('10.0.0.2', { UDP_ECHO_SERVER: '1' }), 'v1');
  assert.deepEqual(r.running().sort(), ['ns/a', 'ns/b']);
  await r.set('ns/a', testPod('10.0.0.3'), 'v2');
  await r.set('ns/b', undefined);
  await r.set('ns/missing', undefined);
  assert.deepEqual(calls, ['start http 10.0.0.1', 'start udp 10.0.0.2', 'close http 10.0.0.1', 'start http 10.0.0.3', 'close udp 10.0.0.2']);
  await r.closeAll();
  assert.equal(calls.at(-1), 'close http 10.0.0.3');
  assert.deepEqual(r.running(), []);
});

test('runner: a failed start is retried, and never throws', async () => {
  const calls: Call[] = [];
  const warnings: string[] = [];
  const r = new PodRunner({ starters: fakeStarters(calls, { 'tcp 10.0.0.9': 2 }), log: (_l, msg) => warnings.push(msg), retryMs: 1 });
  await r.set('ns/t', testPod('10.0.0.9', { TCP_ECHO_SERVER: '1' }), 'v1');
  assert.equal(calls[0], 'fail tcp 10.0.0.9');
  assert.match(warnings[0]!, /cannot start the tcp servers of pod ns\/t on 10\.0\.0\.9 \(attempt 1\/5\): listen EADDRNOTAVAIL; retrying/);
  await r.idle();
  assert.deepEqual(r.running(), ['ns/t']);
  await r.closeAll();
  assert.deepEqual(calls, ['fail tcp 10.0.0.9', 'fail tcp 10.0.0.9', 'start tcp 10.0.0.9', 'close tcp 10.0.0.9']);
});

test('runner: gives up after the last attempt; mesh pods are not played', async () => {
  const calls: Call[] = [];
  const r = new PodRunner({ starters: fakeStarters(calls, { 'http 10.0.0.5': 9 }), log: quiet, attempts: 2, retryMs: 1 });
  await r.set('ns/x', testPod('10.0.0.5'), 'v1');
  await r.set('ns/mesh', { ...testPod('10.0.0.6'), image: 'gcr.io/istio-testing/echo-advanced:1' }, 'v1');
  await r.idle();
  assert.deepEqual(r.running(), []);
  await r.closeAll();
  assert.deepEqual(calls, ['fail http 10.0.0.5', 'fail http 10.0.0.5']);
});

test('runner: a pod removed while starting ends closed', async () => {
  const calls: Call[] = [];
  const r = new PodRunner({ starters: fakeStarters(calls), log: quiet });
  const started = r.set('ns/a', testPod('10.0.0.1'), 'v1');
  const removed = r.set('ns/a', undefined);
  await Promise.all([started, removed]);
  assert.deepEqual(r.running(), []);
  assert.ok(!calls.includes('start http 10.0.0.1') || calls.at(-1) === 'close http 10.0.0.1', calls.join(', '));
});
