import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import https from 'node:https';
import type tls from 'node:tls';
import { connect as tlsConnect } from 'node:tls';
import { once } from 'node:events';
import { decodeFrame, encodeFrame } from '../../conformance/pods/ws.ts';
import http2 from 'node:http2';
import { startHttpEcho, type HttpEchoServer } from '../../conformance/pods/http-echo.ts';
import { testPod } from './helpers.ts';

const IP = '127.0.0.43';
const dir = mkdtempSync(join(tmpdir(), 'pods-https-'));
const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });

/** A throwaway CA, a server certificate for abc.example.com, a client certificate, and a stranger's certificate. */
function makeCerts(): Record<string, string> {
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '1', '-subj', '/CN=test-ca');
  writeFileSync(join(dir, 'ext-server'), 'subjectAltName=DNS:abc.example.com\nextendedKeyUsage=serverAuth\n');
  writeFileSync(join(dir, 'ext-client'), 'extendedKeyUsage=clientAuth\n');
  for (const [name, ext] of [['server', 'ext-server'], ['client', 'ext-client']]) {
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
    openssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.crt`, '-days', '1', '-extfile', ext);
  }
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'stranger.key', '-out', 'stranger.crt', '-days', '1', '-subj', '/CN=stranger');
  const files: Record<string, string> = {};
  for (const f of ['ca.crt', 'server.crt', 'server.key', 'client.crt', 'client.key', 'stranger.crt', 'stranger.key']) files[f] = readFileSync(join(dir, f), 'utf8');
  return files;
}

const certs = makeCerts();
// What the pod's volumes hold; empty at first, like a Secret the suite has not created yet.
const volume: Record<string, string> = {};
const pod = testPod(IP, { TLS_SERVER_CERT: '/etc/secret-volume/crt', TLS_SERVER_PRIVKEY: '/etc/secret-volume/key', TLS_CLIENT_CACERTS: '/etc/configmap-volume/ca' }, volume);
let srv: HttpEchoServer;
before(async () => (srv = await startHttpEcho(pod)));
after(async () => {
  await srv.close();
  rmSync(dir, { recursive: true, force: true });
});

type Answer = { status: number; body: string } | { error: string };

function httpsGet(path: string, opts: { cert?: string; key?: string } = {}): Promise<Answer> {
  return new Promise((resolve) => {
    const options: https.RequestOptions & tls.ConnectionOptions = { host: IP, port: srv.ports.https!, path, servername: 'abc.example.com', ca: certs['ca.crt'], ALPNProtocols: ['http/1.1'], agent: false, ...opts };
    const req = https.request(options, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message }));
    req.end();
  });
}

function echoOf(a: Answer): Record<string, any> {
  assert.ok('status' in a, `expected an answer, got ${JSON.stringify(a)}`);
  assert.equal(a.status, 200);
  return JSON.parse(a.body);
}

test('https: refuses connections until the Secret and ConfigMap exist, then serves with the tls object', async () => {
  assert.ok(srv.ports.https, 'the HTTPS port listens as soon as the env names a key pair');
  assert.ok('error' in (await httpsGet('/early')));
  Object.assign(volume, { '/etc/secret-volume/crt': certs['server.crt'], '/etc/secret-volume/key': certs['server.key'], '/etc/configmap-volume/ca': certs['ca.crt'] });
  const echo = echoOf(await httpsGet('/secure?x=1'));
  assert.equal(echo.path, '/secure?x=1');
  assert.equal(echo.proto, 'HTTP/1.1');
  assert.deepEqual(Object.keys(echo.tls), ['version', 'serverName', 'negotiatedProtocol', 'cipherSuite']);
  assert.equal(echo.tls.version, 'TLSv1.3');
  assert.equal(echo.tls.serverName, 'abc.example.com');
  assert.equal(echo.tls.negotiatedProtocol, 'http/1.1');
  assert.match(echo.tls.cipherSuite, /^TLS_(AES_128_GCM_SHA256|AES_256_GCM_SHA384|CHACHA20_POLY1305_SHA256)$/);
});

test('https: the same mux as the HTTP port (status, health)', async () => {
  const s = await httpsGet('/status/404');
  assert.ok('status' in s && s.status === 404);
  const h = await httpsGet('/health');
  assert.ok('status' in h && h.body === 'OK');
});

test('https: a client certificate signed by the CA is reported as Go PEM, byte for byte', async () => {
  const echo = echoOf(await httpsGet('/mtls', { cert: certs['client.crt'], key: certs['client.key'] }));
  assert.deepEqual(echo.tls.peerCertificates, [certs['client.crt']]);
  assert.match(echo.tls.peerCertificates[0], /^-----BEGIN CERTIFICATE-----\n([A-Za-z0-9+/=]{64}\n)+[A-Za-z0-9+/=]{1,64}\n-----END CERTIFICATE-----\n$/);
});

test('https: a client certificate that fails verification ends the connection (verify if given)', async () => {
  const a = await httpsGet('/stranger', { cert: certs['stranger.crt'], key: certs['stranger.key'] });
  assert.ok('error' in a, `expected a failed connection, got ${JSON.stringify(a)}`);
});

test('https: ALPN h2 is served as HTTP/2 with the tls object', async () => {
  const client = http2.connect(`https://${IP}:${srv.ports.https}`, { ca: certs['ca.crt'], servername: 'abc.example.com' });
  try {
    const req = client.request({ ':path': '/over-h2' });
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (body += d));
    await new Promise((resolve, reject) => {
      req.on('end', resolve);
      req.on('error', reject);
    });
    const echo = JSON.parse(body);
    assert.equal(echo.proto, 'HTTP/2.0');
    assert.equal(echo.tls.negotiatedProtocol, 'h2');
    assert.equal(echo.tls.serverName, 'abc.example.com');
  } finally {
    client.close();
  }
});

test('https: /ws over TLS (ALPN http/1.1) echoes like the plain port', async () => {
  const sock = tlsConnect({ host: IP, port: srv.ports.https!, servername: 'abc.example.com', ca: certs['ca.crt'], ALPNProtocols: ['http/1.1'] });
  try {
    await once(sock, 'secureConnect');
    sock.write(`GET /ws HTTP/1.1\r\nHost: abc.example.com\r\nOrigin: https://abc.example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${'a'.repeat(22)}==\r\nSec-WebSocket-Version: 13\r\n\r\n`);
    sock.write(encodeFrame(0x1, Buffer.from('over tls'), Buffer.from([9, 8, 7, 6])));
    let buf = Buffer.alloc(0);
    for await (const chunk of sock) {
      buf = Buffer.concat([buf, chunk as Buffer]);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) continue;
      assert.match(buf.subarray(0, end).toString(), /^HTTP\/1\.1 101 /);
      const frame = decodeFrame(buf.subarray(end + 4));
      if (frame && frame !== 'too-large') {
        assert.equal(frame.payload.toString(), 'over tls');
        break;
      }
    }
  } finally {
    sock.destroy();
  }
});
