import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { podLogPath, podLogWriter, rfc3339Nano } from '../../conformance/pods/pod-log.ts';

test('rfc3339Nano: UTC, nanosecond fraction without trailing zeros', () => {
  assert.equal(rfc3339Nano(Date.UTC(2026, 0, 2, 3, 4, 5, 678)), '2026-01-02T03:04:05.678Z');
  assert.equal(rfc3339Nano(Date.UTC(2026, 0, 2, 3, 4, 5, 0)), '2026-01-02T03:04:05Z');
  assert.equal(rfc3339Nano(Date.UTC(2026, 0, 2, 3, 4, 5, 100), 42), '2026-01-02T03:04:05.100000042Z');
});

test('pod log: CRI lines under <dir>/<namespace>/<pod>/<container>.log, in order', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pods-log-'));
  try {
    const log = podLogWriter(dir, 'gateway-conformance-infra', 'infra-backend-v2-abc', 'infra-backend-v2', (err) => assert.fail(err));
    log('Echoing back request made to /mirror?gateway-api-conformance-request-id=1 to client (10.0.0.1:5)');
    log('second');
    const file = podLogPath(dir, 'gateway-conformance-infra', 'infra-backend-v2-abc', 'infra-backend-v2');
    assert.equal(file, join(dir, 'gateway-conformance-infra', 'infra-backend-v2-abc', 'infra-backend-v2.log'));
    const lines = readFileSync(file, 'utf8').split('\n');
    assert.equal(lines.length, 3);
    assert.equal(lines[2], '');
    const re = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?Z) stdout F (.*)$/;
    const [first, second] = [re.exec(lines[0]!), re.exec(lines[1]!)];
    assert.ok(first && second, lines.join('\n'));
    assert.equal(first[2], 'Echoing back request made to /mirror?gateway-api-conformance-request-id=1 to client (10.0.0.1:5)');
    assert.equal(second[2], 'second');
    assert.ok(Date.parse(first[1]!) <= Date.parse(second[1]!));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('pod log: an unwritable directory is reported, not thrown', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pods-log-'));
  try {
    const notADir = join(dir, 'file');
    writeFileSync(notADir, '');
    const errors: Error[] = [];
    const log = podLogWriter(notADir, 'ns', 'p', 'c', (err) => errors.push(err));
    log('x');
    assert.equal(errors.length, 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
