// TLS to backends: SNI from the policy, trust from its CA, subjectAltNames instead of the hostname, the Gateway's
// client certificate, and failures that answer 502 (a refused handshake, an unusable policy).
import assert from 'node:assert/strict';
import { createSecureServer, type Http2SecureServer } from 'node:http2';
import { createServer, type Server } from 'node:https';
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { after, before, test } from 'node:test';
import type * as ir from '../../src/ir/types.ts';
import { request } from '../support/http-client.ts';
import { makeCa, type Ca } from '../support/pki.ts';
import { startPlane, type Plane } from './fixture.ts';
import { config, local, route, simpleListener, exact, forwardTo } from './ir-builders.ts';

let ca: Ca;
let other: Ca;
let backend: Server;
let backendPort = 0;
let h2Backend: Http2SecureServer;
let h2Port = 0;
let plane: Plane;

const SPIFFE = 'spiffe://abc.example.com/test-identity';

function tlsCluster(name: string, tls: Omit<ir.BackendTls, 'policy'>): ir.BackendCluster {
  return { name, protocol: 'http1', endpoints: [local(backendPort)], lb: 'RoundRobin', tls: { policy: `default/${name}`, ...tls } };
}

function planeConfig(clusters: ir.BackendCluster[]): ir.ProxyConfig {
  const routes = clusters.map((c) => route(c.name, { path: exact(`/${c.name}`), action: forwardTo([c.name, 1]) }));
  const base = config({ listeners: [simpleListener(0, routes)] });
  return { ...base, backends: Object.fromEntries(clusters.map((c) => [c.name, c])) };
}

before(async () => {
  ca = makeCa('backend-ca');
  other = makeCa('unrelated-ca');
  const serving = ca.issue('abc.example.com', ['DNS:abc.example.com', `URI:${SPIFFE}`]);
  // Asks for a client certificate but takes connections without one, and reports what it saw.
  backend = createServer({ cert: serving.certificate, key: serving.privateKey, ca: ca.certificate, requestCert: true, rejectUnauthorized: false }, (req, res) => {
    const sock = req.socket as TLSSocket;
    const peer = sock.getPeerCertificate();
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({
      sni: (sock as unknown as { servername?: string }).servername ?? '',
      host: req.headers.host,
      client: peer && 'subject' in peer && peer.subject ? peer.subject.CN : null,
      clientAuthorized: sock.authorized,
    }));
  });
  await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
  backendPort = (backend.address() as AddressInfo).port;
  // HTTP/2 only, as gRPC servers are: the proxy must pick h2 by ALPN for an h2c (gRPC) cluster over TLS.
  h2Backend = createSecureServer({ cert: serving.certificate, key: serving.privateKey, allowHTTP1: false }, (req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ version: req.httpVersion, sni: (req.socket as unknown as { servername?: string }).servername ?? '' }));
  });
  await new Promise<void>((resolve) => h2Backend.listen(0, '127.0.0.1', resolve));
  h2Port = (h2Backend.address() as AddressInfo).port;
  const client = ca.issue('gateway-client', ['DNS:gateway.example.com'], 'clientAuth');
  plane = await startPlane([planeConfig([
    tlsCluster('ok', { serverName: 'abc.example.com', caCertificates: ca.certificate, subjectAltNames: [] }),
    tlsCluster('wrong-host', { serverName: 'mismatch.example.com', caCertificates: ca.certificate, subjectAltNames: [] }),
    tlsCluster('wrong-ca', { serverName: 'abc.example.com', caCertificates: other.certificate, subjectAltNames: [] }),
    tlsCluster('san-uri', { serverName: 'abc.example.com', caCertificates: ca.certificate, subjectAltNames: [{ type: 'URI', value: SPIFFE }] }),
    tlsCluster('san-dns-only', { serverName: 'abc.example.com', caCertificates: ca.certificate, subjectAltNames: [{ type: 'Hostname', value: 'dce.example.com' }] }),
    tlsCluster('san-other-name', { serverName: 'sni.example.com', caCertificates: ca.certificate, subjectAltNames: [{ type: 'Hostname', value: 'abc.example.com' }] }),
    tlsCluster('invalid', { serverName: 'abc.example.com', subjectAltNames: [], invalid: 'ConfigMap default/ca not found' }),
    tlsCluster('with-client', { serverName: 'abc.example.com', caCertificates: ca.certificate, subjectAltNames: [], clientCertificate: client }),
    { ...tlsCluster('h2', { serverName: 'abc.example.com', caCertificates: ca.certificate, subjectAltNames: [] }), protocol: 'h2c', endpoints: [local(h2Port)] },
  ])]);
});

after(async () => {
  await plane?.close();
  backend?.closeAllConnections();
  await new Promise((resolve) => backend?.close(resolve));
  await new Promise((resolve) => h2Backend?.close(resolve));
});

test('the policy hostname is the SNI, whatever Host the client sent; Host passes through', async () => {
  const res = await request(plane.port, '/ok', { headers: { host: 'www.client.example' } });
  assert.equal(res.status, 200, res.body);
  assert.equal(res.json().sni, 'abc.example.com');
  assert.equal(res.json().host, 'www.client.example');
  assert.equal(res.json().client, null, 'no client certificate unless the Gateway names one');
});

test('a certificate that does not match the hostname answers 502 with the TLS error code', async () => {
  const res = await request(plane.port, '/wrong-host');
  assert.equal(res.status, 502);
  assert.equal(res.headers['x-portico-error'], 'ERR_TLS_CERT_ALTNAME_INVALID');
});

test('a certificate from another CA answers 502', async () => {
  const res = await request(plane.port, '/wrong-ca');
  assert.equal(res.status, 502);
  assert.match(String(res.headers['x-portico-error']), /CERT|SIGNATURE|ISSUER|SELF_SIGNED/);
});

test('subjectAltNames: a URI SAN matches; a Hostname SAN replaces the hostname check', async () => {
  assert.equal((await request(plane.port, '/san-uri')).status, 200);
  assert.equal((await request(plane.port, '/san-dns-only')).status, 502);
  const res = await request(plane.port, '/san-other-name');
  assert.equal(res.status, 200, 'the SAN list matches although the SNI hostname is not in the certificate');
  assert.equal(res.json().sni, 'sni.example.com');
});

test('a policy without a usable CA answers 502 saying why, and never connects', async () => {
  const res = await request(plane.port, '/invalid');
  assert.equal(res.status, 502);
  assert.equal(res.headers['x-portico-error'], 'PORTICO_BACKEND_TLS_INVALID');
  assert.match(res.body, /ConfigMap default\/ca not found/);
  assert.ok(plane.warnings.some((w) => w.includes('default/invalid') && w.includes('ConfigMap default/ca not found')), plane.warnings.join('\n'));
});

test('the Gateway client certificate is presented to the backend', async () => {
  const res = await request(plane.port, '/with-client');
  assert.equal(res.status, 200, res.body);
  assert.equal(res.json().client, 'gateway-client');
  assert.equal(res.json().clientAuthorized, true);
});

test('an h2c (gRPC) cluster under a policy speaks HTTP/2 over TLS', async () => {
  const res = await request(plane.port, '/h2');
  assert.equal(res.status, 200, res.body);
  assert.deepEqual(res.json(), { version: '2.0', sni: 'abc.example.com' });
});

test('a backend that never completes the handshake answers 504 once the connect timeout passes, not a hang', async () => {
  const held: Socket[] = [];
  const silent = createTcpServer((sock) => void held.push(sock));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const cluster = { ...tlsCluster('silent', { serverName: 'abc.example.com', caCertificates: ca.certificate, subjectAltNames: [] }), endpoints: [local((silent.address() as AddressInfo).port)] };
  const own = await startPlane([planeConfig([cluster])], { upstreamTimeouts: { connectMs: 300 } });
  try {
    const res = await request(own.port, '/silent');
    assert.equal(res.status, 504);
    assert.equal(res.headers['x-portico-error'], 'UND_ERR_CONNECT_TIMEOUT');
  } finally {
    await own.close();
    for (const sock of held) sock.destroy();
    await new Promise((resolve) => silent.close(resolve));
  }
});

test('a new CA bundle takes effect with the next config, on fresh connections', async () => {
  const cluster = (caCertificates: string) => tlsCluster('rotating', { serverName: 'abc.example.com', caCertificates, subjectAltNames: [] });
  const own = await startPlane([planeConfig([cluster(other.certificate)])]);
  try {
    assert.equal((await request(own.port, '/rotating')).status, 502);
    await own.apply([planeConfig([cluster(ca.certificate)])]);
    assert.equal((await request(own.port, '/rotating')).status, 200);
    await own.apply([planeConfig([cluster(other.certificate)])]);
    assert.equal((await request(own.port, '/rotating')).status, 502, 'a kept-alive connection made under the old CA is not reused');
  } finally {
    await own.close();
  }
});
