// TLS passthrough over real sockets: the proxy never terminates TLS; the SNI picks listener host then route.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type * as ir from '../../src/ir/types.ts';
import { makeCert, type Pair } from './https-support.ts';
import { startPlane, type Plane } from './fixture.ts';
import { l4Config, rawExchange, tlsBackend, tlsHello, type Backend } from './l4-support.ts';

let pair: Pair;
let exact: Backend, wild: Backend, any: Backend;
let plane: Plane;

const sni = (hostname: string, cluster: string | null): ir.SniRoute => ({ hostname, route: `tlsroute/default/${cluster}`, backends: [{ cluster, weight: 1 }] });

function listener(port: number): ir.TlsListener {
  return {
    protocol: 'TLS', port, hosts: [
      { listener: 'exact', hostname: 'abc.example.com', routes: [sni('abc.example.com', 'exact')] },
      { listener: 'wild', hostname: '*.example.com', routes: [sni('deep.x.example.com', 'any'), sni('*.x.example.com', 'wild'), sni('*.example.com', 'wild'), ] },
      { listener: 'none', hostname: null, routes: [sni('*.org', 'any'), sni('broken.net', null)] },
    ],
  };
}

before(async () => {
  pair = makeCert('example.com', ['*.example.com', 'abc.example.com', '*.x.example.com', '*.org', 'broken.net']);
  exact = await tlsBackend('exact', pair);
  wild = await tlsBackend('wild', pair);
  any = await tlsBackend('any', pair);
  plane = await startPlane([l4Config([listener(0)], { exact: exact.port, wild: wild.port, any: any.port })]);
});
after(async () => {
  await plane.close();
  await Promise.all([exact, wild, any].map((b) => b.close()));
});

test('SNI picks the exact listener, then the longest wildcard, end to end through TLS', async () => {
  assert.equal(await tlsHello(plane.port, 'abc.example.com', pair.certificate), 'exact');
  assert.equal(await tlsHello(plane.port, 'other.example.com', pair.certificate), 'wild');
  assert.equal(await tlsHello(plane.port, 'a.x.example.com', pair.certificate), 'wild');
  assert.equal(await tlsHello(plane.port, 'deep.x.example.com', pair.certificate), 'any');
  assert.equal(await tlsHello(plane.port, 'www.org', pair.certificate), 'any');
});

test('no matching route, no SNI, or an unresolved backend: accepted, then closed', async () => {
  assert.equal(await tlsHello(plane.port, 'non.matching.com', pair.certificate), 'closed');
  assert.equal(await tlsHello(plane.port, undefined, pair.certificate), 'closed');
  assert.equal(await tlsHello(plane.port, 'broken.net', pair.certificate), 'closed');
});

test('plain text and garbage are closed without an answer, never refused', async () => {
  for (const bytes of [Buffer.from('GET / HTTP/1.1\r\nHost: abc.example.com\r\n\r\n'), Buffer.alloc(20_000, 0x16), Buffer.from([22, 3, 1, 0xff, 0xff])]) {
    const r = await rawExchange(plane.port, bytes);
    assert.equal(r.refused, false);
    assert.equal(r.data.length, 0);
  }
});

test('a reload changes where new connections go', async () => {
  const port = plane.port;
  const swapped = listener(port);
  swapped.hosts[0] = { ...swapped.hosts[0], routes: [sni('abc.example.com', 'any')] };
  await plane.apply([l4Config([swapped], { exact: exact.port, wild: wild.port, any: any.port })]);
  assert.equal(await tlsHello(port, 'abc.example.com', pair.certificate), 'any');
  await plane.apply([l4Config([listener(port)], { exact: exact.port, wild: wild.port, any: any.port })]);
  assert.equal(await tlsHello(port, 'abc.example.com', pair.certificate), 'exact');
});
