import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { startAdminServer } from '../../src/admin/server.ts';
import { createMetrics } from '../../src/admin/metrics.ts';
import { redact } from '../../src/ir/redact.ts';

async function withAdmin(t: import('node:test').TestContext, over: Partial<Parameters<typeof startAdminServer>[2]> = {}) {
  let ready = false;
  const metrics = createMetrics(new Registry());
  const admin = await startAdminServer('127.0.0.1', 0, {
    registry: metrics.registry,
    isReady: () => ready,
    status: () => [{ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name: 'portico', generation: 1 }, status: {} }],
    config: () => [{ gateway: 'default/gw', version: 'abc', secrets: { 'default/cert': 'PRIVATE KEY' }, listeners: [] }],
    ...over,
  });
  t.after(() => admin.close());
  const get = async (path: string) => {
    const r = await fetch(admin.url + path);
    return { status: r.status, type: r.headers.get('content-type') ?? '', body: await r.text() };
  };
  return { admin, metrics, get, setReady: (v: boolean) => (ready = v) };
}

test('healthz is 200; readyz 503 until the first config is live, then 200', async (t) => {
  const a = await withAdmin(t);
  assert.equal((await a.get('/healthz')).status, 200);
  const before = await a.get('/readyz');
  assert.equal(before.status, 503);
  assert.match(before.body, /first config/);
  a.setReady(true);
  assert.equal((await a.get('/readyz')).status, 200);
});

test('metrics are Prometheus text with process and portico metrics', async (t) => {
  const a = await withAdmin(t);
  a.metrics.configVersion.set(3);
  a.metrics.translateDuration.observe(0.002);
  const m = await a.get('/metrics');
  assert.equal(m.status, 200);
  assert.match(m.type, /^text\/plain/);
  assert.match(m.body, /^portico_config_version 3$/m);
  assert.match(m.body, /^portico_translate_duration_seconds_count 1$/m);
  assert.match(m.body, /^process_cpu_seconds_total /m);
});

test('status is {items} as given; config redacts secrets; unknown path is a JSON 404', async (t) => {
  const a = await withAdmin(t);
  const s = JSON.parse((await a.get('/status')).body);
  assert.deepEqual(s.items[0].metadata, { name: 'portico', generation: 1 });
  const c = await a.get('/config');
  assert.equal(c.status, 200);
  assert.ok(!c.body.includes('PRIVATE KEY'));
  assert.match(JSON.parse(c.body).items[0].secrets['default/cert'], /^sha256:[0-9a-f]{64}$/);
  const nf = await a.get('/nope');
  assert.equal(nf.status, 404);
  assert.match(JSON.parse(nf.body).error, /\/nope.*\/healthz/);
});

test('redact digests secrets at any depth and leaves the rest', () => {
  const out = redact({ a: [{ secrets: { k: { cert: 'x' } }, keep: 1 }] }) as any;
  assert.equal(out.a[0].keep, 1);
  assert.match(out.a[0].secrets.k, /^sha256:/);
});
