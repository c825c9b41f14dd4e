// HTTPS listeners with real sockets on 127.0.0.1: SNI picks the certificate of the most specific listener hostname,
// requests are routed as on HTTP, and a new config swaps certificates without touching open connections.
import assert from 'node:assert/strict';
import { Agent } from 'node:https';
import { after, before, test } from 'node:test';
import { createDataPlane } from '../../src/dataplane/dataplane.ts';
import { startEcho, type Echo } from '../support/echo-server.ts';
import { startPlane } from './fixture.ts';
import { get, handshake, httpsConfig, makeCert, type Pair } from './https-support.ts';
import { forwardTo, local, route } from './ir-builders.ts';

let any: Pair, second: Pair, wildcard: Pair, fourth: Pair;
let echo: Echo;
before(async () => {
  any = makeCert('any.example', ['example.org', 'unknown-example.org']);
  second = makeCert('second-example.org');
  wildcard = makeCert('wildcard.org', ['*.wildcard.org']);
  fourth = makeCert('fourth-example.wildcard.org');
  echo = await startEcho({ name: 'backend' });
});
after(() => echo.close());

/** The conformance base's four HTTPS listeners on one port, most specific first. */
const fourListeners = () => httpsConfig(0, [
  { listener: 'fourth', hostname: 'fourth-example.wildcard.org', pair: fourth },
  { listener: 'second', hostname: 'second-example.org', pair: second },
  { listener: 'wildcard', hostname: '*.wildcard.org', pair: wildcard },
  { listener: 'any', hostname: null, pair: any },
]);

test('SNI picks the exact listener, then the longest wildcard, then the listener without hostname', async () => {
  const plane = await startPlane([fourListeners()]);
  try {
    const cn = async (sni?: string) => (await handshake(plane.port, sni)).cert.subject.CN;
    assert.equal(await cn('second-example.org'), 'second-example.org');
    assert.equal(await cn('SECOND-example.org'), 'second-example.org');
    assert.equal(await cn('fourth-example.wildcard.org'), 'fourth-example.wildcard.org');
    assert.equal(await cn('third.wildcard.org'), 'wildcard.org');
    assert.equal(await cn('a.b.wildcard.org'), 'wildcard.org');
    assert.equal(await cn('wildcard.org'), 'any.example', 'a wildcard does not cover its own suffix');
    assert.equal(await cn('unknown-example.org'), 'any.example');
    assert.equal(await cn(undefined), 'any.example', 'no SNI: the listener without hostname');
  } finally {
    await plane.close();
  }
});

test('without a listener lacking a hostname, unknown or missing SNI gets the first (most specific) certificate', async () => {
  const plane = await startPlane([httpsConfig(0, [
    { listener: 'second', hostname: 'second-example.org', pair: second },
    { listener: 'wildcard', hostname: '*.wildcard.org', pair: wildcard },
  ])]);
  try {
    assert.equal((await handshake(plane.port)).cert.subject.CN, 'second-example.org');
    assert.equal((await handshake(plane.port, 'elsewhere.test')).cert.subject.CN, 'second-example.org');
    assert.equal((await handshake(plane.port, 'x.wildcard.org')).cert.subject.CN, 'wildcard.org');
  } finally {
    await plane.close();
  }
});

test('ALPN prefers h2 and still offers http/1.1', async () => {
  const plane = await startPlane([fourListeners()]);
  try {
    assert.equal((await handshake(plane.port, 'second-example.org', ['h2', 'http/1.1'])).alpn, 'h2');
    assert.equal((await handshake(plane.port, 'second-example.org', ['http/1.1'])).alpn, 'http/1.1');
  } finally {
    await plane.close();
  }
});

test('after the handshake, Host picks the listener and its routes, as on HTTP; a request reaches the backend', async () => {
  const cfg = httpsConfig(0, [
    { listener: 'second', hostname: 'second-example.org', pair: second, routes: [route('to-backend', { action: forwardTo(['backend', 1]) })] },
    { listener: 'any', hostname: null, pair: any },
  ], { backend: [local(echo.port)] });
  const plane = await startPlane([cfg]);
  try {
    const viaBackend = await get(plane.port, 'second-example.org', '/hello', second.certificate);
    assert.equal(viaBackend.status, 200);
    assert.equal(viaBackend.cn, 'second-example.org');
    const seen = JSON.parse(viaBackend.body);
    assert.equal(seen.name, 'backend');
    assert.equal(seen.path, '/hello');
    assert.equal(seen.headers.host, 'second-example.org');
    const other = await get(plane.port, 'example.org', '/', any.certificate);
    assert.deepEqual([other.status, other.body, other.cn], [200, 'any', 'any.example']);
    assert.deepEqual(plane.log.map((e) => [e.listener, e.route]), [['second', 'to-backend'], ['any', 'any']]);
  } finally {
    await plane.close();
  }
});

test('a new certificate applies to new handshakes; an open keep-alive connection keeps working with its own', async () => {
  const renewed = makeCert('second-example.org');
  const plane = await startPlane([httpsConfig(0, [{ listener: 'second', hostname: 'second-example.org', pair: second }])]);
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    // One agent per trust root: the keep-alive socket was verified against the old certificate.
    const first = await get(plane.port, 'second-example.org', '/', second.certificate, agent);
    assert.equal(first.status, 200);
    // Port 0 as at first: the same listener key, so the server is kept and only its snapshot and certificates swap.
    await plane.apply([httpsConfig(0, [{ listener: 'second', hostname: 'second-example.org', pair: renewed }])]);
    const again = await get(plane.port, 'second-example.org', '/', second.certificate, agent);
    assert.equal(again.status, 200);
    assert.equal(again.reused, true, 'the keep-alive connection was reused across the swap');
    const fresh = await get(plane.port, 'second-example.org', '/', renewed.certificate);
    assert.equal(fresh.status, 200, 'a new connection verifies against the renewed certificate');
    await assert.rejects(get(plane.port, 'second-example.org', '/', second.certificate), /self.signed|certificate/i,
      'the old certificate is no longer served to new connections');
  } finally {
    agent.destroy();
    await plane.close();
  }
});

test('the default certificate (no SNI) is swapped too', async () => {
  const plane = await startPlane([httpsConfig(0, [{ listener: 'any', hostname: null, pair: any }])]);
  try {
    assert.equal((await handshake(plane.port)).cert.subject.CN, 'any.example');
    await plane.apply([httpsConfig(0, [{ listener: 'any', hostname: null, pair: second }])]);
    assert.equal((await handshake(plane.port)).cert.subject.CN, 'second-example.org');
  } finally {
    await plane.close();
  }
});

test('a key that does not match its certificate is refused before any server is touched, without echoing the key', async () => {
  const dp = createDataPlane({ warn: () => {} });
  try {
    const broken = httpsConfig(0, [{ listener: 'second', hostname: 'second-example.org', pair: { certificate: second.certificate, privateKey: any.privateKey } }]);
    await assert.rejects(dp.apply([broken]), (err: Error) => {
      assert.match(err.message, /secret Secret\/default\/second: the private key does not belong to the first certificate/);
      assert.doesNotMatch(err.message, /PRIVATE KEY|BEGIN/);
      return true;
    });
  } finally {
    await dp.close(100);
  }
});

test('a port that switches from HTTP to HTTPS gets a new TLS server', async () => {
  const http = httpsConfig(0, [{ listener: 'any', hostname: null, pair: any }]);
  const plain = { ...http, listeners: [{ protocol: 'HTTP' as const, port: 0, hosts: (http.listeners[0] as { hosts: import('../../src/ir/types.ts').ListenerHost[] }).hosts }], secrets: undefined };
  const plane = await startPlane([plain]);
  try {
    const [result] = await plane.dp.apply([http]);
    const bound = result!.listeners[0]!;
    assert.equal(bound.bound, true);
    assert.equal((await handshake(bound.port)).cert.subject.CN, 'any.example');
  } finally {
    await plane.close();
  }
});
