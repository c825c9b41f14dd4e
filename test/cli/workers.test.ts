import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { mergeResults } from '../../src/cli/workers.ts';
import { parseRunArgs, UsageError } from '../../src/cli/args.ts';
import { startEcho } from '../support/echo-server.ts';
import { eventually, request } from '../support/http-client.ts';
import { backendYaml, freePort, gatewayYaml, MAIN, routeYaml, tempDir } from './fixtures.ts';

type Workers = { workers: { slot: number; pid: number; ready: boolean; restarts: number; versions: Record<string, string> }[] };

// Worker processes load TypeScript from source: on a loaded machine that takes seconds, so waits are generous.
const PATIENT = 600;

test('run --workers 2: both workers serve, take every new config, a dead one is replaced, SIGTERM drains all', async (t) => {
  const a = await startEcho({ name: 'a' });
  const b = await startEcho({ name: 'b' });
  t.after(() => Promise.all([a.close(), b.close()]));
  const port = await freePort();
  const dir = await tempDir({
    'gw.yaml': gatewayYaml(port),
    'backends.yaml': backendYaml('svc-a', a.port) + '---\n' + backendYaml('svc-b', b.port),
    'route.yaml': routeYaml('svc-a'),
  });
  t.after(() => rm(dir, { recursive: true, force: true }));

  const child = spawn(process.execPath, [MAIN, 'run', '-f', dir, '--admin', '127.0.0.1:0', '--workers', '2'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '', stdout = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c));
  child.stderr.on('data', (c: Buffer) => (stderr += c));
  const exited = once(child, 'exit');
  t.after(() => { if (child.exitCode === null) child.kill('SIGKILL'); });
  const why = () => `\n--- stderr ---\n${stderr}`;

  await eventually(async () => /admin API on http:\/\/127\.0\.0\.1:\d+/.test(stderr), 'the admin API line', PATIENT).catch((e) => assert.fail(e.message + why()));
  const adminUrl = /admin API on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr)![1];
  const admin = async <T>(path: string) => (await (await fetch(`${adminUrl}${path}`)).json()) as T;
  const liveVersion = async () => (await admin<{ items: { version: string }[] }>('/config')).items[0]?.version;
  const allOn = async (version: string | undefined) => {
    const { workers } = await admin<Workers>('/workers');
    return version !== undefined && workers.length === 2 && workers.every((w) => w.ready && w.versions['default/gw'] === version);
  };
  const servedBy = async () => {
    const r = await request(port, '/hello');
    return r.status === 200 ? (r.json().name as string) : `status ${r.status}`;
  };

  // The primary binds nothing itself: an answer comes from a worker.
  await eventually(async () => (await servedBy()) === 'a', 'the route to reach a through a worker', PATIENT).catch((e) => assert.fail(e.message + why()));
  const first = await liveVersion();
  await eventually(() => allOn(first), 'both workers to report the live version').catch((e) => assert.fail(e.message + why()));
  const config = await admin<{ workers: unknown[] }>('/config');
  assert.equal(config.workers.length, 2);

  await writeFile(join(dir, 'route.yaml'), routeYaml('svc-b'));
  await eventually(async () => (await liveVersion()) !== first, 'a new config version', PATIENT).catch((e) => assert.fail(e.message + why()));
  const second = await liveVersion();
  await eventually(() => allOn(second), 'both workers to report the new version').catch((e) => assert.fail(e.message + why()));
  for (let i = 0; i < 4; i++) assert.equal(await servedBy(), 'b');
  // Workers write the access log: whole JSON lines on the shared stdout.
  await eventually(async () => stdout.includes('"path":"/hello"'), 'an access log line').catch((e) => assert.fail(e.message + why()));
  for (const line of stdout.split('\n').filter(Boolean)) assert.equal(JSON.parse(line).gateway, 'default/gw');

  const victim = (await admin<Workers>('/workers')).workers.find((w) => w.slot === 0)!;
  process.kill(victim.pid, 'SIGKILL');
  await eventually(async () => {
    const w = (await admin<Workers>('/workers')).workers.find((x) => x.slot === 0)!;
    return w.pid !== victim.pid && w.restarts === 1 && w.ready && w.versions['default/gw'] === second;
  }, 'a replacement worker running the live version', PATIENT).catch((e) => assert.fail(e.message + why()));
  assert.match(stderr, /data-plane worker 0 \(pid \d+\) exited \(SIGKILL\); starting a new one/);
  assert.equal(await servedBy(), 'b');

  // GET /metrics sums the live workers' series (the killed worker's counts went with it).
  for (let i = 0; i < 6; i++) assert.equal(await servedBy(), 'b');
  const metrics = await (await fetch(`${adminUrl}/metrics`)).text();
  const served = /^portico_http_requests_total\{[^}]*backend="Service\/default\/svc-b:80",code_class="2xx"\} (\d+)$/m.exec(metrics);
  assert.ok(served && Number(served[1]) >= 7, `7 requests to svc-b or more in:\n${metrics}`);
  assert.match(metrics, /^portico_config_version \d+$/m);

  const pids = (await admin<Workers>('/workers')).workers.map((w) => w.pid);
  child.kill('SIGTERM');
  const [code] = await exited;
  assert.equal(code, 0, why());
  for (const pid of pids) assert.throws(() => process.kill(pid, 0), { code: 'ESRCH' }, `worker ${pid} outlived the primary`);
});

test('--workers: a count, or auto; anything else says what to type', () => {
  assert.equal((parseRunArgs(['-f', 'x']) as { workers: unknown }).workers, 1);
  assert.equal((parseRunArgs(['-f', 'x', '--workers', '4']) as { workers: unknown }).workers, 4);
  assert.equal((parseRunArgs(['-f', 'x', '--workers', 'auto']) as { workers: unknown }).workers, 'auto');
  assert.throws(() => parseRunArgs(['-f', 'x', '--workers', '0']), (e: Error) => e instanceof UsageError && /--workers 0 .*--workers auto/.test(e.message));
});

test('merged bind results: a listener is bound only when every worker bound it', () => {
  const ok = { port: 80, address: '::', bound: true };
  const bad = { port: 80, address: '::', bound: false, error: 'EADDRINUSE' };
  const r = (l: typeof ok) => [{ gateway: 'ns/gw' as never, version: 'v', listeners: [l] }];
  assert.deepEqual(mergeResults([r(ok), r(ok)])[0].listeners[0], ok);
  assert.deepEqual(mergeResults([r(ok), r(bad)])[0].listeners[0], bad);
  assert.deepEqual(mergeResults([r(bad), r(ok)])[0].listeners[0], bad);
});
