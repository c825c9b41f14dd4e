// HTTP/2 end to end on real sockets: h2c prior knowledge beside HTTP/1.1 on one port, h2 by ALPN on HTTPS, the 421
// answer for a request whose Host belongs to another listener than the TLS server name, and h2c to backends.
import assert from 'node:assert/strict';
import http from 'node:http';
import http2 from 'node:http2';
import { after, before, test } from 'node:test';
import type * as ir from '../../src/ir/types.ts';
import { startEcho, type Echo } from '../support/echo-server.ts';
import { startPlane } from './fixture.ts';
import { httpsConfig, makeCert, type Pair } from './https-support.ts';
import { config, forwardTo, local, prefix, route, simpleListener } from './ir-builders.ts';

let echo: Echo;
let second: Pair;
let any: Pair;
before(async () => {
  echo = await startEcho({ name: 'backend' });
  second = makeCert('second-example.org');
  any = makeCert('any.example', ['example.org', 'any.example']);
});
after(() => echo.close());

type H2Answer = { status: number; headers: http2.IncomingHttpHeaders; body: string };

function h2Request(session: http2.ClientHttp2Session, headers: http2.OutgoingHttpHeaders, body?: string): Promise<H2Answer> {
  return new Promise((resolve, reject) => {
    const stream = session.request(headers, { endStream: body === undefined });
    let text = '';
    let answer: http2.IncomingHttpHeaders = {};
    stream.setEncoding('utf8');
    stream.on('response', (h) => (answer = h));
    stream.on('data', (chunk: string) => (text += chunk));
    stream.on('end', () => resolve({ status: Number(answer[':status']), headers: answer, body: text }));
    stream.on('error', reject);
    if (body !== undefined) stream.end(body);
  });
}

function h1Get(port: number, path: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, headers: { host }, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.once('error', reject);
    req.end();
  });
}

function connectH2(url: string, options: http2.SecureClientSessionOptions = {}): Promise<http2.ClientHttp2Session> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(url, options);
    session.once('connect', () => resolve(session));
    session.once('error', reject);
  });
}

/** Access-log entries are written when the server side of a stream closes, which may follow the client's end. */
async function logged(plane: { log: unknown[] }, n: number): Promise<void> {
  while (plane.log.length < n) await new Promise((resolve) => setTimeout(resolve, 5));
}

const toEcho = (port: number) => config({
  listeners: [simpleListener(port, [
    route('direct', { path: prefix('/direct'), action: { type: 'DirectResponse', status: 200, body: 'direct' } }),
    route('echo', { path: prefix('/') , action: forwardTo(['backend', 1]) }),
  ])],
  backends: { backend: [local(echo.port)] },
});

test('h2c with prior knowledge and HTTP/1.1 share one HTTP port and reach the same routes', async () => {
  const plane = await startPlane([toEcho(0)]);
  const session = await connectH2(`http://127.0.0.1:${plane.port}`);
  try {
    const direct = await h2Request(session, { ':path': '/direct', ':authority': 'app.example' });
    assert.deepEqual([direct.status, direct.body], [200, 'direct']);

    const proxied = await h2Request(session, { ':path': '/a/../b?x=1', ':authority': 'app.example:8080', 'x-custom': 'yes' });
    assert.equal(proxied.status, 200);
    const seen = JSON.parse(proxied.body);
    assert.equal(seen.path, '/b?x=1', 'the request-target is normalised as for HTTP/1.1');
    assert.equal(seen.headers.host, 'app.example:8080', ':authority becomes Host');
    assert.equal(seen.headers['x-custom'], 'yes');
    assert.equal(seen.headers['x-forwarded-proto'], 'http');
    assert.equal(seen.headers['x-forwarded-for'], '127.0.0.1');
    assert.ok(Object.keys(seen.headers).every((name) => !name.startsWith(':')), 'no pseudo-header reaches the backend');

    const posted = await h2Request(session, { ':method': 'POST', ':path': '/upload', ':authority': 'app.example' }, 'hello over h2');
    assert.equal(JSON.parse(posted.body).body, 'hello over h2', 'a body without content-length is forwarded');

    const h1 = await h1Get(plane.port, '/direct', 'app.example');
    assert.deepEqual(h1, { status: 200, body: 'direct' });
    await logged(plane, 4);
    assert.deepEqual(plane.log.map((e) => `${e.route} ${e.status}`).sort(), ['direct 200', 'direct 200', 'echo 200', 'echo 200']);
  } finally {
    session.close();
    await plane.close();
  }
});

test('an h2c connection survives a config swap, and the next request uses the new routes', async () => {
  const plane = await startPlane([toEcho(0)]);
  const session = await connectH2(`http://127.0.0.1:${plane.port}`);
  try {
    assert.equal((await h2Request(session, { ':path': '/direct' })).body, 'direct');
    const cfg = toEcho(0);
    (cfg.listeners[0] as ir.HttpListener).hosts[0]!.virtualHosts[0]!.routes[0]!.action = { type: 'DirectResponse', status: 200, body: 'swapped' };
    await plane.apply([cfg]);
    assert.equal((await h2Request(session, { ':path': '/direct' })).body, 'swapped');
  } finally {
    session.close();
    await plane.close();
  }
});

test('HTTPS offers h2 by ALPN; the SNI listener and the Host must agree, else 421', async () => {
  const cfg = httpsConfig(0, [
    { listener: 'second', hostname: 'second-example.org', pair: second },
    { listener: 'any', hostname: null, pair: any },
  ]);
  const plane = await startPlane([cfg]);
  const session = await connectH2(`https://127.0.0.1:${plane.port}`, { servername: 'second-example.org', ca: second.certificate });
  const viaAny = await connectH2(`https://127.0.0.1:${plane.port}`, { servername: 'example.org', ca: any.certificate });
  try {
    assert.equal(session.alpnProtocol, 'h2');
    const own = await h2Request(session, { ':path': '/', ':authority': 'second-example.org' });
    assert.deepEqual([own.status, own.body], [200, 'second']);
    assert.equal((await h2Request(session, { ':path': '/', ':authority': 'example.org' })).status, 421);
    assert.equal((await h2Request(session, { ':path': '/', ':authority': 'unknown.example' })).status, 421, 'the catch-all is another listener');
    assert.equal((await h2Request(viaAny, { ':path': '/', ':authority': 'unknown.example' })).body, 'any');
    assert.equal((await h2Request(viaAny, { ':path': '/', ':authority': 'second-example.org' })).status, 421);
    await logged(plane, 5);
    assert.deepEqual(plane.log.map((e) => e.status).sort(), [200, 200, 421, 421, 421]);
  } finally {
    session.close();
    viaAny.close();
    await plane.close();
  }
});

test('HTTP/1.1 over TLS answers 421 as well when Host names another listener than SNI', async () => {
  const { get } = await import('./https-support.ts');
  const cfg = httpsConfig(0, [
    { listener: 'second', hostname: 'second-example.org', pair: second },
    { listener: 'any', hostname: null, pair: any },
  ]);
  const plane = await startPlane([cfg]);
  try {
    const { request } = await import('node:https');
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: plane.port, path: '/', servername: 'second-example.org', headers: { host: 'example.org' }, ca: second.certificate, agent: false }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.once('error', reject);
      req.end();
    });
    assert.equal(status, 421);
    assert.equal((await get(plane.port, 'second-example.org', '/', second.certificate)).status, 200);
  } finally {
    await plane.close();
  }
});

test('a backend whose cluster speaks h2c gets HTTP/2 with prior knowledge, from HTTP/1.1 and HTTP/2 clients alike', async () => {
  const versions: string[] = [];
  const backend = http2.createServer((req, res) => {
    versions.push(req.httpVersion);
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ authority: req.headers[':authority'], path: req.headers[':path'], body }));
    });
  });
  await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
  const port = (backend.address() as { port: number }).port;
  const cfg = toEcho(0);
  const h2c: ir.BackendCluster = { name: 'backend', protocol: 'h2c', endpoints: [local(port)], lb: 'RoundRobin' };
  cfg.backends = { backend: h2c };
  const plane = await startPlane([cfg]);
  const session = await connectH2(`http://127.0.0.1:${plane.port}`);
  try {
    const h1 = await h1Get(plane.port, '/from-h1', 'app.example');
    assert.equal(h1.status, 200);
    assert.deepEqual(JSON.parse(h1.body), { authority: 'app.example', path: '/from-h1', body: '' });
    const h2 = await h2Request(session, { ':method': 'POST', ':path': '/from-h2', ':authority': 'app.example' }, 'payload');
    assert.deepEqual(JSON.parse(h2.body), { authority: 'app.example', path: '/from-h2', body: 'payload' });
    assert.deepEqual(versions, ['2.0', '2.0']);
  } finally {
    session.close();
    await plane.close();
    backend.close();
  }
});

test('requests from HTTP/1.1 clients take h2c endpoints in turn (the fast path, which does not serve them, skips none)', async () => {
  // Two and three endpoints: a choice skipped once or twice per request shows up with one or the other.
  for (const count of [2, 3]) {
    const names: string[] = [];
    const backends = Array.from({ length: count }, (_, k) => http2.createServer((_req, res) => {
      names.push(`e${k}`);
      res.end();
    }));
    const endpoints: ir.Endpoint[] = [];
    for (const backend of backends) {
      await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
      endpoints.push(local((backend.address() as { port: number }).port));
    }
    const cfg = toEcho(0);
    cfg.backends = { backend: { name: 'backend', protocol: 'h2c', endpoints, lb: 'RoundRobin' } };
    const plane = await startPlane([cfg], { http1FastPath: true });
    try {
      for (let i = 0; i < 2 * count; i++) assert.equal((await h1Get(plane.port, `/turn/${i}`, 'app.example')).status, 200);
      const expected = Array.from({ length: count }, (_, k) => [`e${k}`, `e${k}`]).flat();
      assert.deepEqual(names.sort(), expected, `${count} endpoints`);
    } finally {
      await plane.close();
      for (const backend of backends) backend.close();
    }
  }
});

test('a removed port drains its h2c sessions: the stream in flight finishes, the session gets GOAWAY and closes', async () => {
  const { createDataPlane } = await import('../../src/dataplane/dataplane.ts');
  const { eventually } = await import('../support/http-client.ts');
  const keep = toEcho(0);
  const gone = { ...toEcho(0), gateway: 'default/gone' as ir.GatewayKey };
  const dp = createDataPlane({ allowLoopbackEndpoints: true, warn: () => {} });
  const results = await dp.apply([keep, gone]);
  const port = results[1]!.listeners[0]!.port;
  const session = await connectH2(`http://127.0.0.1:${port}`);
  try {
    const goaway = new Promise<void>((resolve) => session.once('goaway', () => resolve()));
    const closed = new Promise<void>((resolve) => session.once('close', () => resolve()));
    const inFlight = h2Request(session, { ':path': '/held', 'x-echo-hold': '1' });
    await eventually(async () => echo.held() === 1, 'the held request to reach the backend');
    await dp.apply([keep]);
    await goaway;
    echo.release();
    const answer = await inFlight;
    assert.equal(answer.status, 200);
    assert.equal(JSON.parse(answer.body).path, '/held');
    await closed;
  } finally {
    session.destroy();
    await dp.close(1000);
  }
});

test('the Service port\'s appProtocol picks the backend protocol', async () => {
  const { backendProtocol } = await import('../../src/translate/backends.ts');
  assert.equal(backendProtocol('kubernetes.io/h2c'), 'h2c');
  assert.equal(backendProtocol('kubernetes.io/ws'), 'ws');
  assert.equal(backendProtocol('http'), 'http1');
  assert.equal(backendProtocol(undefined), 'http1');
});
