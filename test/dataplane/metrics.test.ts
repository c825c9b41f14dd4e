import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AggregatorRegistry, Registry } from 'prom-client';
import { createMetrics, type RequestOutcome } from '../../src/dataplane/metrics.ts';

const ok: RequestOutcome = { gateway: 'ns/gw', listener: 'http', route: 'r', backend: 'b', status: 200, truncated: false, seconds: 0.003 };

test('metrics: counters by status class, cumulative histogram buckets with +Inf, sum and count', async () => {
  const registry = new Registry();
  const m = createMetrics(registry);
  m.record(ok);
  m.record({ ...ok, status: 404, seconds: 20 });
  m.record({ ...ok, truncated: true });
  const text = await registry.metrics();
  assert.match(text, /^portico_http_requests_total\{gateway="ns\/gw",listener="http",route="r",backend="b",code_class="2xx"\} 1$/m);
  assert.match(text, /^portico_http_requests_total\{[^}]*code_class="4xx"\} 1$/m);
  assert.match(text, /^portico_http_requests_total\{[^}]*code_class="truncated"\} 1$/m);
  assert.match(text, /^# TYPE portico_http_request_duration_seconds histogram$/m);
  assert.match(text, /^portico_http_request_duration_seconds_bucket\{le="0.0025",gateway="ns\/gw",route="r"\} 0$/m);
  assert.match(text, /^portico_http_request_duration_seconds_bucket\{le="0.005",gateway="ns\/gw",route="r"\} 2$/m);
  assert.match(text, /^portico_http_request_duration_seconds_bucket\{le="10",gateway="ns\/gw",route="r"\} 2$/m);
  assert.match(text, /^portico_http_request_duration_seconds_bucket\{le="\+Inf",gateway="ns\/gw",route="r"\} 3$/m);
  assert.match(text, /^portico_http_request_duration_seconds_count\{gateway="ns\/gw",route="r"\} 3$/m);
  assert.match(text, /^portico_http_request_duration_seconds_sum\{gateway="ns\/gw",route="r"\} 20.006$/m);
});

test('metrics: retain drops gone routes, a second data plane on the same registry shares the series', async () => {
  const registry = new Registry();
  const a = createMetrics(registry);
  const b = createMetrics(registry);
  a.record(ok);
  b.record(ok);
  b.record({ ...ok, route: 'old' });
  assert.match(await registry.metrics(), /code_class="2xx"\} 2$/m);
  a.retain(new Map([['ns/gw', new Set(['r'])]]));
  const text = await registry.metrics();
  assert.doesNotMatch(text, /route="old"/);
  assert.match(text, /route="r"/);
});

test('metrics: workers\' series sum up across registries (the --workers primary aggregates them)', async () => {
  const regs = [new Registry(), new Registry()];
  for (const r of regs) createMetrics(r).record(ok);
  const summed = AggregatorRegistry.aggregate(await Promise.all(regs.map((r) => r.getMetricsAsJSON())));
  const text = await summed.metrics();
  assert.match(text, /^portico_http_requests_total\{[^}]*code_class="2xx"\} 2$/m);
  assert.match(text, /^portico_http_request_duration_seconds_count\{gateway="ns\/gw",route="r"\} 2$/m);
});

test('metrics: a held series records into the same cells as record(), and into new ones after retain dropped its route', async () => {
  const registry = new Registry();
  const m = createMetrics(registry);
  const s = m.series('ns/gw', 'http', 'r', 'b');
  s.record(200, false, 0.003);
  m.record(ok);
  s.record(503, false, 0.003);
  let text = await registry.metrics();
  assert.match(text, /^portico_http_requests_total\{[^}]*code_class="2xx"\} 2$/m);
  assert.match(text, /^portico_http_requests_total\{[^}]*code_class="5xx"\} 1$/m);
  assert.match(text, /^portico_http_request_duration_seconds_count\{gateway="ns\/gw",route="r"\} 3$/m);
  m.retain(new Map([['ns/gw', new Set<string>()]]));
  assert.doesNotMatch(await registry.metrics(), /route="r"/);
  s.record(200, false, 0.003);
  text = await registry.metrics();
  assert.match(text, /^portico_http_requests_total\{[^}]*code_class="2xx"\} 1$/m);
  assert.match(text, /^portico_http_request_duration_seconds_count\{gateway="ns\/gw",route="r"\} 1$/m);
});
