// examples/tls end to end, run as its README says: HTTPS termination, TLS passthrough, a TCP route and a UDP route.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import path from 'node:path';
import type { TLSSocket } from 'node:tls';
import { connect as tlsConnect } from 'node:tls';
import { parseAllDocuments } from 'yaml';
import { runExample } from '../support/examples.ts';
import { REPO } from '../support/portico-process.ts';

const CERT = (parseAllDocuments(readFileSync(path.join(REPO, 'examples/tls/test-certificate.yaml'), 'utf8'))[0]!.toJS() as { stringData: Record<string, string> }).stringData['tls.crt']!;

// The UDP server the README asks users to run themselves, on the port its EndpointSlice names.
let udpEcho: UdpSocket;
before(async () => {
  udpEcho = createSocket('udp4');
  udpEcho.on('message', (m, r) => udpEcho.send(`echo:${m.toString()}`, r.port, r.address));
  await new Promise<void>((r) => udpEcho.bind(18991, '127.0.0.1', r));
});
after(() => udpEcho.close());

// Ready once the TCP route carries HTTP to the demo backend.
const ex = runExample('tls', 8092, { path: '/' });

/** GET / over TLS to `port` with SNI and Host secure.example.com, trusting only the example's certificate. */
function getSecure(port: number, servername = 'secure.example.com'): Promise<{ status: number; name: string; cn: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: '127.0.0.1', port, path: '/', servername, headers: { host: 'secure.example.com' }, ca: CERT, agent: false }, (res) => {
      const cn = String((res.socket as TLSSocket).getPeerCertificate().subject?.CN ?? '');
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, name: JSON.parse(body).name, cn }));
    });
    req.once('error', reject);
    req.end();
  });
}

test('tls: HTTPS on 8090 terminates with the example certificate and routes to web', async () => {
  assert.deepEqual(await getSecure(8090), { status: 200, name: 'web', cn: 'secure.example.com' });
});

test('tls: 8091 passes TLS through by SNI to the TLS server behind it (here the HTTPS listener)', async () => {
  assert.deepEqual(await getSecure(8091), { status: 200, name: 'web', cn: 'secure.example.com' });
  const closed = await new Promise<string>((resolve) => {
    const s = tlsConnect({ host: '127.0.0.1', port: 8091, servername: 'other.example.com', ca: CERT }, () => resolve('handshake'));
    s.on('error', () => resolve('closed'));
    s.on('close', () => resolve('closed'));
  });
  assert.equal(closed, 'closed', 'an SNI no TLSRoute names is accepted, then closed');
});

test('tls: the TCP route on 8092 carries a raw connection to web', async () => {
  const answer = await ex.get('/raw', { host: 'whatever.test' });
  assert.equal(answer.status, 200);
  assert.equal(answer.json().name, 'web');
  assert.equal(answer.json().path, '/raw');
});

test('tls: the UDP route on 8093 forwards datagrams and the answers come back', async () => {
  const client = createSocket('udp4');
  try {
    await new Promise<void>((r) => client.bind(0, '127.0.0.1', r));
    const reply = new Promise<string>((resolve) => client.once('message', (m) => resolve(m.toString())));
    client.send('hello', 8093, '127.0.0.1');
    assert.equal(await reply, 'echo:hello');
  } finally {
    client.close();
  }
});
