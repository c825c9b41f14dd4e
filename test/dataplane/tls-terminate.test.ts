// TLS listeners in Terminate mode over real sockets: the data plane completes the handshake with the listener's
// certificate and pipes the plain stream to the backend; a passthrough listener on the same port (Mixed) still pipes
// the encrypted stream; tls.options limit the version a listener accepts.
import assert from 'node:assert/strict';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { after, before, test } from 'node:test';
import type * as ir from '../../src/ir/types.ts';
import { makeCert, type Pair } from './https-support.ts';
import { startPlane, type Plane } from './fixture.ts';
import { l4Config, tcpBackend, tlsBackend, tlsHello, type Backend } from './l4-support.ts';

let terminated: Pair, backendPair: Pair;
let plain: Backend, secure: Backend;
let plane: Plane;

const sni = (hostname: string, cluster: string): ir.SniRoute => ({ hostname, route: `tlsroute/default/${cluster}`, backends: [{ cluster, weight: 1 }] });

function config(port: number, options?: ir.TlsOptions): ir.ProxyConfig {
  const listener: ir.TlsListener = {
    protocol: 'TLS', port, hosts: [
      { listener: 'terminate', hostname: 'tls.example.com', routes: [sni('tls.example.com', 'plain')],
        terminate: { secretNames: ['Secret/default/terminate'], ...(options ? { options } : {}) } },
      { listener: 'passthrough', hostname: '*.example.com', routes: [sni('abc.example.com', 'secure')] },
    ],
  };
  return { ...l4Config([listener], { plain: plain.port, secure: secure.port }), secrets: { 'Secret/default/terminate': terminated } };
}

before(async () => {
  terminated = makeCert('tls.example.com');
  backendPair = makeCert('abc.example.com');
  plain = await tcpBackend('plain');
  secure = await tlsBackend('secure', backendPair);
  plane = await startPlane([config(0)]);
});
after(async () => {
  await plane.close();
  await Promise.all([plain, secure].map((b) => b.close()));
});

/** Over TLS verified against `ca`: writes `lines`, then half-closes; resolves to what came back, or the error code. */
function exchange(port: number, servername: string, ca: string, lines: string[], extra: ConnectionOptions = {}): Promise<string> {
  return new Promise((resolve) => {
    // Half-closed after writing: the backend's last line comes after the client's end.
    const options: ConnectionOptions & { allowHalfOpen: boolean } = { host: '127.0.0.1', port, servername, ca, allowHalfOpen: true, ...extra };
    const s = tlsConnect(options, () => s.end(lines.map((l) => `${l}\n`).join('')));
    let out = '';
    s.setEncoding('utf8');
    s.on('data', (d: string) => (out += d));
    s.on('error', (e: NodeJS.ErrnoException) => resolve(out || `error ${e.code ?? e.message}`));
    s.on('close', () => resolve(out));
  });
}

test('Terminate: the listener certificate is presented and the backend gets the plain stream, both ways', async () => {
  const out = await exchange(plane.port, 'tls.example.com', terminated.certificate, ['PING', 'second']);
  assert.equal(out, 'plain:PING\nplain:second\nplain:bye\n');
});

test('Mixed: a passthrough listener on the same port still reaches its TLS backend untouched', async () => {
  assert.equal(await tlsHello(plane.port, 'abc.example.com', backendPair.certificate), 'secure');
});

test('a TLS Terminate listener with min version 1.3 refuses a TLS 1.2 client and serves a TLS 1.3 one', async () => {
  await plane.apply([config(plane.port, { minVersion: 'TLSv1.3' })]);
  const old = await exchange(plane.port, 'tls.example.com', terminated.certificate, ['PING'], { maxVersion: 'TLSv1.2' });
  assert.match(old, /^error /);
  assert.equal(await exchange(plane.port, 'tls.example.com', terminated.certificate, ['PING']), 'plain:PING\nplain:bye\n');
});
