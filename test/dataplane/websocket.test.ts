// HTTP/1.1 upgrades through the data plane on real sockets: WebSocket messages both ways, the route's request filters
// on the upgrade request, non-101 answers relayed as responses, routing answers (404, 503, 502) as for any request.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startPlane } from './fixture.ts';
import { config, forwardTo, local, prefix, route, simpleListener } from './ir-builders.ts';
import { rawExchange, readUntil, startWsBackend, type WsBackend } from './websocket-support.ts';

let backend: WsBackend;
before(async () => {
  backend = await startWsBackend();
});
after(() => backend.close());

const wsConfig = (port: number, backends: Record<string, { address: string; port: number }[]>) => config({
  listeners: [simpleListener(0, [
    route('ws', {
      path: prefix('/'),
      filters: [{ type: 'RequestHeaderModifier', modifier: { set: [{ name: 'x-route', value: 'ws' }], add: [], remove: [] } }],
      action: forwardTo(['backend', 1]),
    }),
  ])],
  backends: { backend: backends.backend ?? [local(port)] },
});

function nextMessage(ws: WebSocket): Promise<string | Buffer> {
  return new Promise((resolve, reject) => {
    ws.addEventListener('message', (e) => resolve(typeof e.data === 'string' ? e.data : Buffer.from(e.data as ArrayBuffer)), { once: true });
    ws.addEventListener('error', () => reject(new Error('websocket error')), { once: true });
  });
}

function opened(ws: WebSocket): Promise<void> {
  return new Promise((resolve, reject) => {
    ws.addEventListener('open', () => resolve(), { once: true });
    ws.addEventListener('error', () => reject(new Error('websocket did not open')), { once: true });
  });
}

test('a WebSocket opens through the gateway and carries text and binary messages both ways', async () => {
  const plane = await startPlane([wsConfig(backend.port, {})]);
  const ws = new WebSocket(`ws://127.0.0.1:${plane.port}/ws`);
  ws.binaryType = 'arraybuffer';
  try {
    await opened(ws);
    ws.send('Websocket Support!');
    assert.equal(await nextMessage(ws), 'Websocket Support!');
    ws.send(new Uint8Array([1, 2, 3, 4, 5, 6, 7]));
    assert.deepEqual(await nextMessage(ws), Buffer.from([1, 2, 3, 4, 5, 6, 7]));
    const req = backend.seen.at(-1)!;
    assert.equal(req.headers.upgrade, 'websocket');
    assert.match(String(req.headers.connection), /upgrade/i);
    assert.equal(req.headers['x-route'], 'ws', 'the route\'s request filters apply to the upgrade request');
    assert.equal(req.headers['x-forwarded-for'], '127.0.0.1');
    assert.ok(req.headers['sec-websocket-key']);
    const closed = new Promise((resolve) => ws.addEventListener('close', resolve, { once: true }));
    ws.close();
    await closed;
    // The tunnel's access-log entry is written when the proxy's own socket closes, just after the client's.
    while (plane.log.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
  } finally {
    ws.close();
    await plane.close();
  }
  assert.deepEqual(plane.log.map((e) => [e.route, e.backend, e.status]), [['ws', 'backend', 101]]);
});

test('a raw upgrade keeps the bytes sent right behind the request head, and the Origin header reaches the backend', async () => {
  const plane = await startPlane([wsConfig(backend.port, {})]);
  try {
    const head = 'GET /a/../raw HTTP/1.1\r\nHost: app.example\r\nOrigin: ws://gateway/test\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n';
    const { socket, first } = await rawExchange(plane.port, head, 'early-bytes;');
    assert.match(first, /^HTTP\/1\.1 101 /);
    assert.match(first, /\r\nupgrade: echo\r\n/i);
    const text = await readUntil(socket, first, 'early-bytes;');
    assert.ok(text.includes('early-bytes;'));
    socket.write('later-bytes;');
    assert.ok((await readUntil(socket, text, 'later-bytes;')).includes('later-bytes;'));
    socket.destroy();
    const req = backend.seen.at(-1)!;
    assert.equal(req.url, '/raw', 'the request-target is normalised as for any request');
    assert.equal(req.headers.origin, 'ws://gateway/test');
    assert.equal(req.headers.host, 'app.example');
  } finally {
    await plane.close();
  }
});

test('a backend that refuses the upgrade is relayed as a plain response', async () => {
  const plane = await startPlane([wsConfig(backend.port, {})]);
  try {
    const head = 'GET /refuse HTTP/1.1\r\nHost: app.example\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n';
    const { socket, first } = await rawExchange(plane.port, head);
    const text = await readUntil(socket, first, 'refused');
    socket.destroy();
    assert.match(text, /^HTTP\/1\.1 403 /);
    assert.match(text, /\r\nx-from: backend\r\n/i);
    assert.ok(text.endsWith('refused'));
  } finally {
    await plane.close();
  }
});

test('upgrade requests get the same routing answers as others: 404, 503, 502', async () => {
  const unmatched = config({
    listeners: [simpleListener(0, [
      route('only', { path: prefix('/only'), action: forwardTo(['none', 1]) }),
      route('dead', { path: prefix('/dead'), action: forwardTo(['dead', 1]) }),
    ])],
    backends: { none: [], dead: [local(1)] },
  });
  const plane = await startPlane([unmatched]);
  try {
    for (const [path, status] of [['/elsewhere', 404], ['/only', 503], ['/dead', 502]] as const) {
      const head = `GET ${path} HTTP/1.1\r\nHost: app.example\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n`;
      const { socket, first } = await rawExchange(plane.port, head);
      socket.destroy();
      assert.match(first, new RegExp(`^HTTP/1\\.1 ${status} `), `${path} answers ${status}`);
    }
  } finally {
    await plane.close();
  }
});

test('an h2c upgrade request is served as a plain HTTP/1.1 request', async () => {
  const plane = await startPlane([config({ listeners: [simpleListener(0, [route('direct', { action: { type: 'DirectResponse', status: 200, body: 'plain' } })])] })]);
  try {
    const head = 'GET / HTTP/1.1\r\nHost: app.example\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n';
    const { socket, first } = await rawExchange(plane.port, head);
    const text = await readUntil(socket, first, 'plain');
    socket.destroy();
    assert.match(text, /^HTTP\/1\.1 200 /);
  } finally {
    await plane.close();
  }
});

test('a removed port closes its open tunnels once the drain grace is over', async () => {
  const plane = await startPlane([wsConfig(backend.port, {})], { drainGraceMs: 20 });
  try {
    const head = 'GET /raw HTTP/1.1\r\nHost: app.example\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n';
    const { socket, first } = await rawExchange(plane.port, head);
    assert.match(first, /^HTTP\/1\.1 101 /);
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.on('data', () => {});
    await plane.dp.apply([]);
    await closed;
  } finally {
    await plane.close();
  }
});

test('upgrades work over TLS too, and the backend learns the client used https', async () => {
  const { httpsConfig, makeCert } = await import('./https-support.ts');
  const tls = await import('node:tls');
  const pair = makeCert('ws.example');
  const cfg = httpsConfig(0, [{ listener: 'wss', hostname: null, pair, routes: [route('wss', { path: prefix('/'), action: forwardTo(['backend', 1]) })] }], { backend: [local(backend.port)] });
  const plane = await startPlane([cfg]);
  try {
    const socket = tls.connect({ host: '127.0.0.1', port: plane.port, servername: 'ws.example', ca: pair.certificate, ALPNProtocols: ['http/1.1'] });
    socket.write('GET /raw HTTP/1.1\r\nHost: ws.example\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\nover-tls;');
    const text = await readUntil(socket, '', 'over-tls;');
    socket.destroy();
    assert.match(text, /^HTTP\/1\.1 101 /);
    assert.equal(backend.seen.at(-1)!.headers['x-forwarded-proto'], 'https');
  } finally {
    await plane.close();
  }
});

test('an open tunnel keeps working across a config swap', async () => {
  const plane = await startPlane([wsConfig(backend.port, {})]);
  try {
    const head = 'GET /raw HTTP/1.1\r\nHost: app.example\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n';
    const { socket, first } = await rawExchange(plane.port, head);
    assert.match(first, /^HTTP\/1\.1 101 /);
    await plane.apply([config({ listeners: [simpleListener(0, [route('other', { action: { type: 'DirectResponse', status: 200, body: 'new' } })])] })]);
    socket.write('still-there;');
    assert.ok((await readUntil(socket, first, 'still-there;')).includes('still-there;'));
    socket.destroy();
  } finally {
    await plane.close();
  }
});
