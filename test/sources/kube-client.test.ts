// The API client's connections: every request and watch goes over one keep-alive agent, not a new connection (and,
// over TLS, a new handshake) per call as client-node's applyToHTTPSOptions would have it.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, test } from 'node:test';
import { kubeClient } from '../../src/sources/kube-client.ts';
import { fakeKubeConfig } from './fake-api.ts';

let connections = 0;
const server = http.createServer((req, res) => {
  if (req.url!.includes('watch=true')) {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ type: 'ADDED', object: { metadata: { name: 'a', resourceVersion: '2' } } }) + '\n');
    return;
  }
  res.end(JSON.stringify({ kind: 'List', items: [] }));
});
server.on('connection', () => connections++);
after(() => {
  server.closeAllConnections();
  server.close();
});

test('requests one after another reuse one connection', async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const client = kubeClient(fakeKubeConfig(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
  for (let i = 0; i < 20; i++) await client.request('GET', '/api/v1/namespaces');
  const events: string[] = [];
  await client.watch('/api/v1/namespaces?watch=true', (e) => events.push(e.type), 10_000).done;
  await client.request('GET', '/api/v1/namespaces');
  assert.deepEqual(events, ['ADDED']);
  assert.equal(connections, 1);
});
