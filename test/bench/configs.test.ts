import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { haproxyConf, nginxProxyConf, nginxUpstreamConf } from '../../bench/dataplane/configs.ts';

const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd} || test -x /usr/sbin/${cmd}`]).status === 0;

test('nginx accepts the generated upstream and proxy configurations', { skip: !has('nginx') && 'nginx not installed (bench/install.sh)' }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-nginx-'));
  try {
    for (const [name, text] of [['up.conf', nginxUpstreamConf(dir, 18001)], ['proxy.conf', nginxProxyConf(dir, 18002, 18001, 100)]]) {
      writeFileSync(join(dir, name), text);
      const r = spawnSync('nginx', ['-t', '-q', '-p', dir, '-c', join(dir, name), '-e', 'stderr'], { encoding: 'utf8' });
      assert.equal(r.status, 0, `${name}: ${r.stderr}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('HAProxy accepts the generated configuration', { skip: !has('haproxy') && 'haproxy not installed (bench/install.sh)' }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-haproxy-'));
  try {
    writeFileSync(join(dir, 'h.cfg'), haproxyConf(18003, 18001));
    const r = spawnSync('haproxy', ['-c', '-q', '-f', join(dir, 'h.cfg')], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the whole-machine nginx runs one worker per core as asked', { skip: !has('nginx') && 'nginx not installed (bench/install.sh)' }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-nginx-'));
  try {
    const text = nginxProxyConf(dir, 18004, 18001, 1, 2);
    assert.match(text, /^worker_processes 2;$/m);
    writeFileSync(join(dir, 'w.conf'), text);
    const r = spawnSync('nginx', ['-t', '-q', '-p', dir, '-c', join(dir, 'w.conf'), '-e', 'stderr'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
