import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { haproxyConf, nginxProxyConf, nginxUpstreamConf } from '../../bench/dataplane/configs.ts';
import { parseH2load } from '../../bench/dataplane/h2c-front.ts';

const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd} || test -x /usr/sbin/${cmd}`]).status === 0;

test('nginx accepts the generated upstream and proxy configurations', { skip: !has('nginx') && 'nginx not installed (bench/install.sh)' }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-nginx-'));
  try {
    for (const [name, text] of [['up.conf', nginxUpstreamConf(dir, 18001)], ['proxy.conf', nginxProxyConf(dir, 18002, 18001, 100)], ['h2c.conf', nginxProxyConf(dir, 18003, 18001, 1, 1, true)]]) {
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

test('h2load summaries are read: req/s, requests done and failed, mean time per request in ms', () => {
  const text = `finished in 5.00s, 29630.60 req/s, 1.03MB/s
requests: 148153 total, 148153 started, 148150 done, 148148 succeeded, 2 failed, 1 errored, 0 timeout
status codes: 148148 2xx, 0 3xx, 0 4xx, 2 5xx
                     min         max         mean         sd        +/- sd
time for request:      185us     20.64ms      3.36ms      1.20ms    85.13%
`;
  assert.deepEqual(parseH2load(text), { rps: 29630.6, done: 148150, failed: 3, meanMs: 3.36 });
  assert.equal(parseH2load(text.replace('3.36ms', '850.12us')).meanMs, 0.85012);
  assert.throws(() => parseH2load('nothing'), /cannot read h2load's summary/);
});

test('nginx and HAProxy speak h2c on the front when asked', () => {
  assert.match(nginxProxyConf('/tmp/x', 8080, 9090, 1, 1, true), /listen 127\.0\.0\.1:8080 http2;/);
  assert.match(haproxyConf(8080, 9090, true), /bind 127\.0\.0\.1:8080 proto h2/);
  assert.doesNotMatch(nginxProxyConf('/tmp/x', 8080, 9090, 1), /http2/);
});
