import assert from 'node:assert/strict';
import { test } from 'node:test';
import { delta, meanMs, parseMetrics } from '../../bench/lib/scrape.ts';

test('series are summed over labels; histogram means are taken between two scrapes', () => {
  const a = parseMetrics('# HELP x\nportico_config_version 3\nportico_translate_duration_seconds_sum 0.5\nportico_translate_duration_seconds_count 5\nreq{code="2xx"} 4\nreq{code="5xx"} 1\n');
  const b = parseMetrics('portico_config_version 7\nportico_translate_duration_seconds_sum 0.9\nportico_translate_duration_seconds_count 9\n');
  assert.equal(a.get('req'), 5);
  assert.equal(delta(a, b, 'portico_config_version'), 4);
  assert.equal(Math.round(meanMs(a, b, 'portico_translate_duration_seconds')), 100);
  assert.ok(Number.isNaN(meanMs(b, b, 'portico_translate_duration_seconds')));
});
