// bin/portico.js starts the long-running commands with V8 memory flags (NODE_DEFAULTS) and environment
// (ENV_DEFAULTS), unless the user gave a flag of the same name through NODE_OPTIONS or node's own arguments, set the
// variable, or turned them off.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
// @ts-expect-error: plain JavaScript without types; its exports are checked here.
import { defaultsFor, ENV_DEFAULTS, missingDefaults, NODE_DEFAULTS } from '../../bin/portico.js';

const missing = missingDefaults as (nodeOptions: string | undefined, execArgv: string[], command?: string) => string[];
const defaults = NODE_DEFAULTS as string[];
const proxyDefaults = (defaultsFor as (command: string) => string[])('proxy');
const envDefaults = ENV_DEFAULTS as Record<string, string>;
const BIN = new URL('../../bin/portico.js', import.meta.url).pathname;

test('every default is added when nothing names it', () => {
  assert.ok(defaults.length > 0);
  assert.deepEqual(missing(undefined, []), defaults);
  assert.deepEqual(missing('--enable-source-maps', ['--inspect=127.0.0.1:0']), defaults);
});

test('the proxy adds memory saver mode; run and controller, which translate, do not', () => {
  assert.deepEqual(proxyDefaults, [...defaults, '--memory-saver-mode']);
  assert.deepEqual(missing(undefined, [], 'proxy'), proxyDefaults);
  assert.deepEqual(missing(undefined, [], 'controller'), defaults);
  assert.deepEqual(missing('--no-memory-saver-mode', [], 'proxy'), defaults, '--no-x names the setting --x does');
});

test('a flag of the same name in NODE_OPTIONS or on the command line wins, with dashes or underscores', () => {
  assert.deepEqual(missing('--max-semi-space-size=32', []), []);
  assert.deepEqual(missing('--trace-gc  --max_semi_space_size=8', []), []);
  assert.deepEqual(missing(undefined, ['--max-semi-space-size=16']), []);
});

/** The command line of a running process, as the kernel has it after any execve. */
function cmdline(pid: number): string[] {
  return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
}

/** The environment variables of a running process that ENV_DEFAULTS names. */
function defaultedEnv(pid: number): Record<string, string> {
  const all = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').map((kv) => kv.split('=', 2) as [string, string]);
  return Object.fromEntries(all.filter(([k]) => k in envDefaults));
}

/**
 * Starts `portico proxy` (it runs until stopped, dialling a controller that is not there) and reads its node flags;
 * then stops it with SIGTERM, so it exits as it would in a pod and writes what it compiled to its compile cache.
 */
async function proxyFlags(env: NodeJS.ProcessEnv): Promise<{ flags: string[]; env: Record<string, string> }> {
  const child = spawn(process.execPath, [BIN, 'proxy', '--controller', 'https://127.0.0.1:1', '--gateway', 'ns/gw', '--token-file', '/nonexistent',
    '--ca-file', '/nonexistent', '--admin', '127.0.0.1:0', '--log-level', 'info'], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  try {
    // The admin server's log line comes from the final image only: execve happens before anything is imported.
    let err = '';
    await new Promise<void>((resolve, reject) => {
      child.stderr!.on('data', (c: Buffer) => {
        err += c.toString();
        if (err.includes('admin API on')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`portico proxy exited ${code} before its admin API was up:\n${err}`)));
    });
    const argv = cmdline(child.pid!);
    return { flags: argv.slice(1, argv.indexOf(BIN)), env: defaultedEnv(child.pid!) };
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
  }
}

const unset = Object.fromEntries(Object.keys(envDefaults).map((k) => [k, undefined]));

test('portico proxy runs with the defaults, in the same process', async () => {
  assert.deepEqual(await proxyFlags({ ...unset, NODE_OPTIONS: '', PORTICO_NODE_DEFAULTS: '' }), { flags: proxyDefaults, env: envDefaults });
});

test('NODE_OPTIONS naming the flag and a variable already set, or PORTICO_NODE_DEFAULTS=off, leave node as started', async () => {
  assert.deepEqual(await proxyFlags({ ...unset, NODE_OPTIONS: '--max-semi-space-size=32', MALLOC_ARENA_MAX: '8' }), { flags: ['--memory-saver-mode'], env: { MALLOC_ARENA_MAX: '8' } });
  assert.deepEqual(await proxyFlags({ ...unset, PORTICO_NODE_DEFAULTS: 'off', NODE_OPTIONS: '' }), { flags: [], env: {} });
});

test('PORTICO_NODE_OPTIONS goes on node\'s command line, where V8 flags NODE_OPTIONS refuses work, in place of defaults of the same name', async () => {
  const flags = '--heap-growing-percent=30 --no-memory-saver-mode --max-semi-space-size=2';
  assert.deepEqual(await proxyFlags({ ...unset, NODE_OPTIONS: '', PORTICO_NODE_OPTIONS: flags }), { flags: flags.split(' '), env: envDefaults });
  assert.deepEqual(await proxyFlags({ ...unset, NODE_OPTIONS: '', PORTICO_NODE_OPTIONS: '--heap-growing-percent=30' }),
    { flags: [...proxyDefaults, '--heap-growing-percent=30'], env: envDefaults });
});

test('bin/compile-cache.js builds the cache under the flags the proxy runs with: a proxy start adds nothing to it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'portico-compile-cache-'));
  try {
    const built = spawnSync(process.execPath, [new URL('../../bin/compile-cache.js', import.meta.url).pathname], { env: { ...process.env, NODE_COMPILE_CACHE: dir }, encoding: 'utf8' });
    assert.equal(built.status, 0, built.stderr);
    const entries = () => readdirSync(dir).flatMap((sub) => readdirSync(join(dir, sub)).map((f) => `${sub}/${f}`)).sort();
    const before = entries();
    assert.ok(before.length > 0);
    await proxyFlags({ ...unset, NODE_OPTIONS: '', PORTICO_NODE_DEFAULTS: '', NODE_COMPILE_CACHE: dir, NODE_DISABLE_COMPILE_CACHE: undefined });
    assert.deepEqual(entries(), before, 'the proxy compiled modules the cache did not hold (a different flag set, or a module compile-cache.js does not load)');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
