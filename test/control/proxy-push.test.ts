// A real `portico proxy` fed by a ConfigServer across pushes: each push arrives as JSON, the proxy keeps the previous
// config's objects for what did not change (src/ir/share.ts), and what did change must still take effect: a route
// edited, added, removed. Routes answer with redirects, so no upstream is needed (a proxy refuses loopback endpoints).
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { KubeObject } from '../../src/api/meta.ts';
import { snapshotOf } from '../../src/api/snapshot.ts';
import { proxyUser } from '../../src/control/auth.ts';
import { issue } from '../../src/control/certs.ts';
import { ConfigServer } from '../../src/control/server.ts';
import { PROXY_TOKEN_AUDIENCE } from '../../src/infra/proxy-objects.ts';
import type { ProxyConfig } from '../../src/ir/types.ts';
import { parseManifests } from '../../src/sources/parse.ts';
import { translate } from '../../src/translate/index.ts';
import { freePort, gatewayYaml } from '../cli/fixtures.ts';

const GATEWAY = 'default/gw';
const BIN = new URL('../../bin/portico.js', import.meta.url).pathname;

function manifests(port: number, routes: Record<string, string>): string {
  // The Gateway's address is the Service's business in Kubernetes; the proxy binds --listen-address.
  const head = gatewayYaml(port);
  return head + Object.entries(routes).map(([name, to]) => `---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: ${name}, namespace: default}
spec:
  parentRefs: [{name: gw}]
  rules:
    - matches: [{path: {type: PathPrefix, value: /${name}}}]
      filters: [{type: RequestRedirect, requestRedirect: {hostname: ${to}, statusCode: 302}}]
`).join('');
}

function configOf(port: number, routes: Record<string, string>, version: string): ProxyConfig {
  const objects = parseManifests(manifests(port, routes), 'test.yaml').map((p) => p.object as KubeObject);
  const config = translate(snapshotOf(objects)).proxies.get(GATEWAY as never);
  assert.ok(config, 'the Gateway has a config');
  return { ...config, version };
}

/** Where /name redirects to, or the status when it does not redirect. */
function target(port: number, name: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: `/${name}`, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode === 302 ? new URL(res.headers.location!).hostname : String(res.statusCode));
    }).on('error', reject);
  });
}

async function until(port: number, name: string, want: string): Promise<void> {
  let last = '';
  for (let i = 0; i < 200; i++) {
    last = await target(port, name).catch((err: Error) => err.message);
    if (last === want) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`/${name} should lead to ${want}; last: ${last}`);
}

let server: ConfigServer;
let proxy: ChildProcess;
let dir: string;
let port: number;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'portico-proxy-push-'));
  port = await freePort();
  const cert = await issue(['127.0.0.1', 'localhost'], null);
  writeFileSync(join(dir, 'ca.crt'), cert.caCert);
  writeFileSync(join(dir, 'token'), 'test-token\n');
  server = new ConfigServer({
    cert,
    // Stands in for the API server's TokenReview.
    reviewer: { review: async () => ({ authenticated: true, user: { username: proxyUser(GATEWAY) }, audiences: [PROXY_TOKEN_AUDIENCE] }) },
    serving: () => true,
    onChange: () => {},
    log: { info: () => {}, warn: () => {} },
  });
  const url = await server.listen('127.0.0.1', 0);
  proxy = spawn(process.execPath, [BIN, 'proxy', '--controller', url, '--gateway', GATEWAY, '--name', 'push-0',
    '--token-file', join(dir, 'token'), '--ca-file', join(dir, 'ca.crt'), '--admin', '127.0.0.1:0', '--listen-address', '127.0.0.1', '--log-level', 'warn'],
  { stdio: ['ignore', 'ignore', 'inherit'] });
});

after(async () => {
  if (proxy && proxy.exitCode === null) {
    const exited = new Promise((r) => proxy.once('exit', r));
    proxy.kill('SIGTERM');
    await exited;
  }
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('pushed configs take effect one after another: a route edited, one added, one removed, the rest as they were', async () => {
  server.publish([configOf(port, { a: 'one.example', b: 'two.example', c: 'three.example' }, 'v1')]);
  await until(port, 'a', 'one.example');
  assert.equal(await target(port, 'c'), 'three.example');

  server.publish([configOf(port, { a: 'one.example', b: 'changed.example', c: 'three.example' }, 'v2')]);
  await until(port, 'b', 'changed.example');
  assert.equal(await target(port, 'a'), 'one.example');
  assert.equal(await target(port, 'c'), 'three.example');

  server.publish([configOf(port, { a: 'one.example', ab: 'inserted.example', b: 'changed.example', c: 'three.example' }, 'v3')]);
  await until(port, 'ab', 'inserted.example');
  assert.equal(await target(port, 'b'), 'changed.example');

  server.publish([configOf(port, { a: 'one.example', ab: 'inserted.example', c: 'three.example' }, 'v4')]);
  await until(port, 'b', '404');
  assert.equal(await target(port, 'ab'), 'inserted.example');
  assert.equal(await target(port, 'c'), 'three.example');
});
