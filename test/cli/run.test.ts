import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startEcho } from '../support/echo-server.ts';
import { eventually, request } from '../support/http-client.ts';
import { backendYaml, freePort, gatewayYaml, MAIN, routeYaml, tempDir } from './fixtures.ts';

test('run: serves, applies an edited file live, reports status, drains on SIGTERM with exit 0', async (t) => {
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

  const child = spawn(process.execPath, [MAIN, 'run', '-f', dir, '--admin', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '', stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c));
  child.stderr.on('data', (c: Buffer) => (stderr += c));
  const exited = once(child, 'exit');
  t.after(() => { if (child.exitCode === null) child.kill('SIGKILL'); });
  const why = () => `\n--- stderr ---\n${stderr}\n--- stdout ---\n${stdout}`;

  await eventually(async () => /admin API on http:\/\/127\.0\.0\.1:\d+/.test(stderr), 'the admin API line').catch((e) => assert.fail(e.message + why()));
  const adminUrl = /admin API on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr)![1];

  const servedBy = async () => {
    const r = await request(port, '/hello');
    return r.status === 200 ? (r.json().name as string) : `status ${r.status}`;
  };
  await eventually(async () => (await servedBy()) === 'a', 'the route to reach a').catch((e) => assert.fail(e.message + why()));
  assert.match(stderr, new RegExp(`gateway default/gw listening on http://127\\.0\\.0\\.1:${port}`));

  assert.equal((await fetch(`${adminUrl}/readyz`)).status, 200);
  const status = (await (await fetch(`${adminUrl}/status`)).json()) as { items: any[] };
  const gw = status.items.find((i) => i.kind === 'Gateway');
  assert.equal(gw.status.conditions.find((c: any) => c.type === 'Programmed').status, 'True');
  assert.deepEqual(gw.status.addresses, [{ type: 'IPAddress', value: '127.0.0.1' }]);
  const config = (await (await fetch(`${adminUrl}/config`)).json()) as { items: any[] };
  assert.equal(config.items[0].gateway, 'default/gw');
  assert.match(config.items[0].version, /^[0-9a-f]{12}$/);

  // Access log: one JSON line per request on stdout by default.
  await eventually(async () => stdout.includes('"path":"/hello"'), 'an access log line').catch((e) => assert.fail(e.message + why()));
  const entry = JSON.parse(stdout.split('\n').find((l) => l.includes('"path":"/hello"'))!);
  assert.equal(entry.gateway, 'default/gw');
  assert.equal(entry.status, 200);

  await writeFile(join(dir, 'route.yaml'), routeYaml('svc-b'));
  await eventually(async () => (await servedBy()) === 'b', 'the edited route to reach b').catch((e) => assert.fail(e.message + why()));
  // The data plane takes the new config before the status store records it, so the status may lag a moment.
  const routeGeneration = async () =>
    ((await (await fetch(`${adminUrl}/status`)).json()) as { items: any[] }).items.find((i) => i.kind === 'HTTPRoute').metadata.generation;
  await eventually(async () => (await routeGeneration()) === 2, 'the status to show generation 2').catch(() => {});
  assert.equal(await routeGeneration(), 2);

  child.kill('SIGTERM');
  const [code] = await exited;
  assert.equal(code, 0, why());
  assert.match(stderr, /SIGTERM: draining/);
});

test('run: a -f path that does not exist exits 2 naming it', async () => {
  const child = spawn(process.execPath, [MAIN, 'run', '-f', '/nonexistent/dir', '--admin', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c));
  const [code] = await once(child, 'exit');
  assert.equal(code, 2);
  assert.match(stderr, /\/nonexistent\/dir: no such file or directory/);
});
