// main.ts end to end against a stand-in API server (list + watch of Pods, Secrets, ConfigMaps): READY after
// the first list, the pod served on its IP, closed when deleted, and a clean exit on SIGTERM.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import http from 'node:http';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import type { V1Pod } from '@kubernetes/client-node';
import { rawRequest, get } from './helpers.ts';

const IP = '127.0.0.46';
// Fixed ports on an address of its own: the test is about serving the port the pod's env names.
const HTTP_PORT = 39071;

const pod: V1Pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'infra-backend-v1-xyz', namespace: 'gateway-conformance-infra', uid: 'u1', resourceVersion: '5' },
  spec: {
    containers: [{
      name: 'infra-backend-v1',
      image: 'registry.k8s.io/gateway-api/echo-basic:v1.5.1',
      env: [
        { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        { name: 'NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
        { name: 'HTTP_PORT', value: String(HTTP_PORT) },
        { name: 'H2C_PORT', value: String(HTTP_PORT + 1) },
      ],
    }],
  },
  status: { podIP: IP, phase: 'Running' },
};

/** Serves lists and holds watches open; `send` pushes a watch event to the Pod watchers. */
function fakeApiServer() {
  const podWatches = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const kind = /^\/api\/v1\/(pods|secrets|configmaps)$/.exec(url.pathname)?.[1];
    if (!kind) {
      res.writeHead(404, { 'content-type': 'application/json' });
      return void res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 404, message: 'not here' }));
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    if (url.searchParams.get('watch') === 'true') {
      if (kind === 'pods') podWatches.add(res);
      res.on('close', () => podWatches.delete(res));
      return void res.flushHeaders();
    }
    const items = kind === 'pods' ? [pod] : [];
    res.end(JSON.stringify({ kind: 'List', apiVersion: 'v1', metadata: { resourceVersion: '10' }, items }));
  });
  return {
    server,
    send: (type: string, object: V1Pod) => {
      for (const w of podWatches) w.write(JSON.stringify({ type, object }) + '\n');
      return podWatches.size;
    },
    close: () => {
      for (const w of podWatches) w.destroy();
      server.closeAllConnections();
      server.close();
    },
  };
}

test('main: READY after the first list, serves the pod, closes it on delete, exits 0 on SIGTERM', { timeout: 60_000 }, async () => {
  const api = fakeApiServer();
  api.server.listen(0, '127.0.0.1');
  await once(api.server, 'listening');
  const port = (api.server.address() as { port: number }).port;
  const dir = mkdtempSync(join(tmpdir(), 'pods-main-'));
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(kubeconfig, `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "http://127.0.0.1:${port}", insecure-skip-tls-verify: true}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
`);
  const child = spawn(process.execPath, [new URL('../../conformance/pods/main.ts', import.meta.url).pathname, '--kubeconfig', kubeconfig, '--log-dir', join(dir, 'logs')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  try {
    let stdout = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d) => {
        stdout += d;
        if (stdout.split('\n').includes('READY')) resolve();
      });
      child.on('exit', (code) => reject(new Error(`main exited ${code} before READY: ${stderr}`)));
    });

    const r = await rawRequest(IP, HTTP_PORT, get('/hello?x=1'));
    assert.equal(r.status, 200, stderr);
    const echo = JSON.parse(r.body);
    assert.equal(echo.pod, 'infra-backend-v1-xyz');
    assert.equal(echo.namespace, 'gateway-conformance-infra');
    const log = readFileSync(join(dir, 'logs', 'gateway-conformance-infra', 'infra-backend-v1-xyz', 'infra-backend-v1.log'), 'utf8');
    assert.match(log, /^\S+ stdout F Echoing back request made to \/hello\?x=1 to client \(127\.0\.0\.1:\d+\)$/m);

    // Deleted: the watch tells main, which closes the pod's sockets.
    while (api.send('DELETED', { ...pod, metadata: { ...pod.metadata, resourceVersion: '11' } }) === 0) await new Promise((res) => setTimeout(res, 20));
    for (;;) {
      const gone = await rawRequest(IP, HTTP_PORT, get('/'));
      if (gone.error === 'ECONNREFUSED') break;
      await new Promise((res) => setTimeout(res, 20));
    }

    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    assert.equal(code, 0, stderr);
  } finally {
    child.kill('SIGKILL');
    api.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
