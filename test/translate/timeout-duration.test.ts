// GEP-2257 durations as translate reads them for timeouts and retry backoff.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDuration } from '../../src/translate/duration.ts';
import { translateRulePolicy } from '../../src/translate/rule-policy.ts';

test('valid durations become milliseconds', () => {
  const cases: [string, number][] = [['0s', 0], ['500ms', 500], ['1s', 1000], ['1m30s', 90_000], ['1h', 3_600_000], ['1h2m3s4ms', 3_723_004], ['99999ms', 99_999]];
  for (const [text, ms] of cases) assert.equal(parseDuration(text).ms, ms, text);
});

test('anything outside the GEP-2257 grammar is refused with a hint', () => {
  for (const bad of ['', '1', '1.5s', '-1s', '1d', '100000ms', '1h1h1h1h1h', ' 1s', '1S', '1us']) {
    const d = parseDuration(bad);
    assert.equal(d.ms, undefined, bad);
    assert.match(d.problem ?? '', /not a Gateway API duration; write up to four parts/);
  }
  assert.ok(parseDuration(5 as unknown).problem);
});

test('0s disables a timeout; backendRequest may not exceed request unless request is disabled', () => {
  const problems: string[] = [];
  assert.deepEqual(translateRulePolicy({ timeouts: { request: '0s', backendRequest: '10s' } }, 'r', problems), { timeouts: { backendRequestMs: 10_000 } });
  assert.deepEqual(translateRulePolicy({ timeouts: { request: '0s', backendRequest: '0s' } }, 'r', problems), {});
  assert.deepEqual(problems, []);
  translateRulePolicy({ timeouts: { request: '1s', backendRequest: '2s' } }, 'r', problems);
  assert.match(problems[0], /^r\.timeouts: backendRequest \(2s\) cannot be longer than request \(1s\)/);
});

test('retry: codes deduplicated and sorted, attempts default to 1, backoff parsed', () => {
  const problems: string[] = [];
  const rule = { retry: { codes: [504, 500, 504], backoff: '250ms' } };
  assert.deepEqual(translateRulePolicy(rule as never, 'r', problems).retry, { codes: [500, 504], attempts: 1, backoffMs: 250 });
  assert.deepEqual(problems, []);
  translateRulePolicy({ retry: { attempts: -1, backoff: 'soon' } } as never, 'r', problems);
  assert.equal(problems.length, 2);
});
