import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { MachineInfo } from '../../bench/lib/machine.ts';
import { table, writeReport } from '../../bench/lib/report.ts';

const machine: MachineInfo = { nproc: 2, cpu: 'Test CPU', kernel: '6.0', memGiB: 4, versions: { node: 'v24', nginx: '1', haproxy: '2', wrk: '4', undici: '7' } };

test('running one part replaces its block and keeps the others', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-report-'));
  try {
    const file = join(dir, 'docs', 'benchmarks.md');
    const parts = ['dataplane', 'propagation', 'translate'];
    writeReport(file, { machine, commandLine: 'node bench/run.ts', measured: 'Portico abc1234' }, [{ part: 'dataplane', markdown: 'DP one' }, { part: 'translate', markdown: 'TR one' }], parts);
    writeReport(file, { machine, commandLine: 'node bench/run.ts translate', measured: 'Portico abc1234' }, [{ part: 'translate', markdown: 'TR two' }], parts);
    const text = readFileSync(file, 'utf8');
    assert.match(text, /DP one/);
    assert.match(text, /TR two/);
    assert.doesNotMatch(text, /TR one/);
    assert.ok(text.indexOf('DP one') < text.indexOf('TR two'), 'parts keep their order');
    assert.match(text, /2 × Test CPU.*Portico abc1234/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('markdown table', () => {
  assert.equal(table(['a', 'b'], [[1, 'x']]), '| a | b |\n| --- | --- |\n| 1 | x |');
});
