// Upgrades to a backend under a BackendTLSPolicy: the tunnel's upstream connection uses the policy's SNI and trust,
// like the pool's connections; a backend the policy does not trust answers 502 instead of a tunnel.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type * as ir from '../../src/ir/types.ts';
import { makeCa } from '../support/pki.ts';
import { startPlane, type Plane } from './fixture.ts';
import { config, exact, forwardTo, local, route, simpleListener } from './ir-builders.ts';
import { rawExchange, readUntil, startWsBackend, type WsBackend } from './websocket-support.ts';

let backend: WsBackend;
let plane: Plane;

before(async () => {
  const ca = makeCa('ws-backend-ca');
  const other = makeCa('unrelated-ca');
  backend = await startWsBackend(ca.issue('ws.example.com', ['DNS:ws.example.com']));
  const cluster = (name: string, tls: Omit<ir.BackendTls, 'policy'>): ir.BackendCluster =>
    ({ name, protocol: 'http1', endpoints: [local(backend.port)], lb: 'RoundRobin', tls: { policy: `default/${name}`, ...tls } });
  const clusters = [
    cluster('trusted', { serverName: 'ws.example.com', caCertificates: ca.certificate, subjectAltNames: [] }),
    cluster('untrusted', { serverName: 'ws.example.com', caCertificates: other.certificate, subjectAltNames: [] }),
    cluster('unusable', { serverName: 'ws.example.com', subjectAltNames: [], invalid: 'ConfigMap default/ca not found' }),
  ];
  const routes = clusters.map((c) => route(c.name, { path: exact(`/${c.name}/raw`), action: forwardTo([c.name, 1]) }));
  const base = config({ listeners: [simpleListener(0, routes)] });
  plane = await startPlane([{ ...base, backends: Object.fromEntries(clusters.map((c) => [c.name, c])) }]);
});

after(async () => {
  await plane?.close();
  await backend?.close();
});

const upgrade = (path: string) => `GET ${path} HTTP/1.1\r\nHost: app.example\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n`;

test('a tunnel to a TLS backend opens with the policy SNI and CA, and carries bytes both ways', async () => {
  const { socket, first } = await rawExchange(plane.port, upgrade('/trusted/raw'));
  try {
    assert.match(first, /^HTTP\/1\.1 101 /);
    socket.write('over-tls;');
    assert.ok((await readUntil(socket, first, 'over-tls;')).includes('over-tls;'));
    assert.equal(backend.seen.at(-1)?.url, '/trusted/raw');
  } finally {
    socket.destroy();
  }
});

test('a TLS backend the policy does not trust answers 502, not a tunnel', async () => {
  const { socket, first } = await rawExchange(plane.port, upgrade('/untrusted/raw'));
  socket.destroy();
  assert.match(first, /^HTTP\/1\.1 502 /);
  assert.match(first, /x-portico-error: /i);
});

test('an unusable policy answers 502 saying so, without connecting', async () => {
  const seen = backend.seen.length;
  const { socket, first } = await rawExchange(plane.port, upgrade('/unusable/raw'));
  socket.destroy();
  assert.match(first, /^HTTP\/1\.1 502 /);
  assert.match(first, /PORTICO_BACKEND_TLS_INVALID/);
  assert.equal(backend.seen.length, seen, 'the backend never saw the request');
});
