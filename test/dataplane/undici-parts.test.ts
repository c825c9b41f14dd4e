// src/dataplane/undici-parts.ts reaches into undici's files to skip what its entry point loads besides; an undici
// upgrade that moves them, or a data-plane module importing 'undici' itself again, must fail here, not in a proxy pod.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import * as undici from 'undici';
import { Client, H2CClient, parseHeaders, Pool } from '../../src/dataplane/undici-parts.ts';

test('the pieces are the very classes and function undici exports', () => {
  assert.equal(Pool, undici.Pool);
  assert.equal(Client, undici.Client);
  assert.equal(H2CClient, undici.H2CClient);
  assert.equal(parseHeaders, undici.util.parseHeaders);
});

test('`portico proxy` loads the pieces, with request() and the like on them, and not undici\'s entry point', () => {
  const cli = new URL('../../src/cli/proxy.ts', import.meta.url).href;
  const parts = new URL('../../src/dataplane/undici-parts.ts', import.meta.url).href;
  const code = `import { createRequire } from 'node:module';
    await import(${JSON.stringify(cli)});
    const { Pool, Client, H2CClient } = await import(${JSON.stringify(parts)});
    const methods = [Pool, Client, H2CClient].flatMap((C) => ['request', 'stream', 'pipeline', 'upgrade', 'connect'].map((m) => typeof C.prototype[m]));
    const loaded = Object.keys(createRequire(import.meta.url).cache).filter((f) => f.includes('/node_modules/undici/'));
    console.log(JSON.stringify({ methods: [...new Set(methods)], entry: loaded.some((f) => f.endsWith('/node_modules/undici/index.js')), fetch: loaded.some((f) => f.includes('/lib/web/fetch/')) }));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), { methods: ['function'], entry: false, fetch: false });
});
