// TLS versions and ciphers on HTTPS ports, over real sockets: modern defaults (TLS 1.2 minimum, AEAD ciphers only),
// and each listener's tls.options (min version, ciphers) hold even when listeners with other options share its port.
import assert from 'node:assert/strict';
import { connect, type ConnectionOptions } from 'node:tls';
import { after, before, test } from 'node:test';
import type * as ir from '../../src/ir/types.ts';
import { startPlane, type Plane } from './fixture.ts';
import { httpsConfig, makeCert, type Pair } from './https-support.ts';

let strict: Pair, relaxed: Pair;
let plane: Plane;

function config(port: number, strictOptions?: ir.TlsOptions): ir.ProxyConfig {
  const c = httpsConfig(port, [
    { listener: 'strict', hostname: 'strict.example', pair: strict },
    { listener: 'relaxed', hostname: null, pair: relaxed },
  ]);
  const [l] = c.listeners as [ir.HttpsListener];
  const certificates = l.certificates.map((cert) => (cert.listener === 'strict' && strictOptions ? { ...cert, options: strictOptions } : cert));
  return { ...c, listeners: [{ ...l, certificates }] };
}

before(async () => {
  strict = makeCert('strict.example');
  relaxed = makeCert('relaxed.example');
  plane = await startPlane([config(0)]);
});
after(() => plane.close());

/** The negotiated protocol and cipher, or `refused` when the handshake or the connection right after it fails. */
function negotiate(servername: string, ca: string, opts: ConnectionOptions = {}): Promise<string> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port: plane.port, servername, ca, ...opts }, () => {
      const got = `${s.getProtocol()} ${s.getCipher().name}`;
      // A connection the server drops right after the handshake (outside the listener's options) ends unanswered.
      s.write('GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n');
      let answered = false;
      s.on('data', () => (answered = true));
      s.on('close', () => resolve(answered ? got : 'refused'));
    });
    s.on('error', () => resolve('refused'));
  });
}

test('defaults: TLS 1.3 works, TLS 1.1 and non-AEAD TLS 1.2 ciphers are refused', async () => {
  assert.match(await negotiate('relaxed.example', relaxed.certificate), /^TLSv1\.3 /);
  assert.equal(await negotiate('relaxed.example', relaxed.certificate, { minVersion: 'TLSv1.1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' }), 'refused');
  assert.equal(await negotiate('relaxed.example', relaxed.certificate, { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-SHA' }), 'refused');
  assert.equal(await negotiate('relaxed.example', relaxed.certificate, { maxVersion: 'TLSv1.2' }), 'TLSv1.2 ECDHE-ECDSA-AES128-GCM-SHA256');
});

test('min version 1.3 on one listener: its TLS 1.2 clients are refused, the other listener of the port still takes them', async () => {
  await plane.apply([config(plane.port, { minVersion: 'TLSv1.3' })]);
  assert.equal(await negotiate('strict.example', strict.certificate, { maxVersion: 'TLSv1.2' }), 'refused');
  assert.match(await negotiate('strict.example', strict.certificate), /^TLSv1\.3 /);
  assert.equal(await negotiate('relaxed.example', relaxed.certificate, { maxVersion: 'TLSv1.2' }), 'TLSv1.2 ECDHE-ECDSA-AES128-GCM-SHA256');
});

test('a cipher list on one listener: only those ciphers are served there', async () => {
  await plane.apply([config(plane.port, { ciphers: ['ECDHE-ECDSA-AES256-GCM-SHA384'] })]);
  assert.equal(await negotiate('strict.example', strict.certificate, { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256' }), 'refused');
  assert.equal(await negotiate('strict.example', strict.certificate, { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES256-GCM-SHA384' }), 'TLSv1.2 ECDHE-ECDSA-AES256-GCM-SHA384');
  assert.equal(await negotiate('relaxed.example', relaxed.certificate, { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256' }), 'TLSv1.2 ECDHE-ECDSA-AES128-GCM-SHA256');
});
