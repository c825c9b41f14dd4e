import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { cpuSeconds, processTree, sleep, start } from '../../bench/lib/proc.ts';

test('stop ends the process and its children by PID', async () => {
  const p = start('tree', 'sh', ['-c', 'sleep 60 & sleep 60 & wait']);
  let tree: number[] = [];
  for (let i = 0; i < 100 && tree.length < 3; i++) { await sleep(20); tree = processTree(p.pid); }
  assert.equal(tree.length, 3, 'sh and its two sleeps');
  assert.ok(cpuSeconds(p.pid) >= 0);
  await p.stop();
  for (let i = 0; i < 100 && tree.some((pid) => existsSync(`/proc/${pid}/stat`)); i++) await sleep(20);
  for (const pid of tree) assert.equal(existsSync(`/proc/${pid}/stat`), false, `pid ${pid} still running`);
});
