// The HTTP/1.1 fast path over real sockets: what it serves itself (bodyless Forward requests on plain HTTP), what it
// hands to node:http on the same connection, and how it streams, times out and fails. Its parity with node:http
// on hostile input is in http1-fuzz.test.ts.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import { after, before, test } from 'node:test';
import { fastPathStats } from '../../src/dataplane/http1/connection.ts';
import { startPlane, type Plane } from './fixture.ts';
import { config, forwardTo, local, prefix, route, simpleListener } from './ir-builders.ts';

const BIG = Buffer.alloc(4 * 1024 * 1024, 'abcdefghij');
let upstream: http.Server;
let upstreamPort: number;
let upstreamSockets = 0;
let plane: Plane;
let deadPort: number;
/** Bytes the upstream has handed to its socket for /p/huge so far. */
let hugeSent = 0;
const HUGE_CHUNK = Buffer.alloc(1024 * 1024, 'klmnopqrst');
const HUGE_CHUNKS = 64;

before(async () => {
  upstream = http.createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if (req.url === '/p/big') {
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        // Several writes without a length: the proxy gets a chunked body and must keep it whole under backpressure.
        for (let i = 0; i < BIG.length; i += 256 * 1024) res.write(BIG.subarray(i, i + 256 * 1024));
        return res.end();
      }
      if (req.url === '/p/huge') {
        // Writes only as fast as its socket drains: how far it gets shows how much the proxy read ahead.
        res.writeHead(200, { 'content-length': String(HUGE_CHUNK.length * HUGE_CHUNKS) });
        let left = HUGE_CHUNKS;
        const pump = () => {
          while (left > 0) {
            left--;
            hugeSent += HUGE_CHUNK.length;
            if (!res.write(HUGE_CHUNK)) return void res.once('drain', pump);
          }
          res.end();
        };
        return pump();
      }
      if (req.url === '/p/trailers') {
        res.writeHead(200, { trailer: 'x-checksum' });
        res.write('part one,');
        res.addTrailers({ 'x-checksum': 'abc' });
        return res.end('part two');
      }
      if (req.url === '/p/bye') {
        // Answers, then closes the kept-alive connection right away, as an upstream with a short idle timeout does.
        res.writeHead(200, { 'content-length': '3' });
        return res.end('bye', () => req.socket.destroy());
      }
      const text = JSON.stringify({ method: req.method, url: req.url, headers: req.headers, body: body.toString() });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'x-up': '1' });
      res.end(req.method === 'HEAD' ? undefined : text);
    });
  });
  upstream.on('connection', () => upstreamSockets++);
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  upstreamPort = (upstream.address() as net.AddressInfo).port;
  const dead = net.createServer();
  await new Promise<void>((resolve) => dead.listen(0, '127.0.0.1', resolve));
  deadPort = (dead.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => dead.close(() => resolve()));
  plane = await startPlane([
    config({
      listeners: [simpleListener(0, [
        route('p', {
          path: prefix('/p'),
          filters: [
            { type: 'RequestHeaderModifier', modifier: { set: [{ name: 'x-req', value: 'set' }], add: [], remove: [] } },
            { type: 'ResponseHeaderModifier', modifier: { set: [{ name: 'x-res', value: 'set' }], add: [], remove: [] } },
          ],
        }),
        route('dead', { path: prefix('/dead'), action: forwardTo(['dead', 1]) }),
      ])],
      backends: { a: [local(upstreamPort)], dead: [local(deadPort)] },
    }),
  ], { http1FastPath: true, serverLimits: { headersTimeoutMs: 300 } });
});

after(async () => {
  await plane.close();
  upstream.closeAllConnections();
  await new Promise<void>((resolve) => upstream.close(() => resolve()));
});

/** One raw connection: writes bytes, reads until `until` says the answer is complete or the server closes. */
function exchange(port: number, bytes: string, until: (text: string) => boolean): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let text = '';
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => {
      text += d;
      if (until(text)) {
        socket.destroy();
        resolve({ text, closed: false });
      }
    });
    socket.on('end', () => resolve({ text, closed: true }));
    socket.on('error', reject);
    socket.write(bytes);
  });
}

const count = (text: string, what: string) => text.split(what).length - 1;

test('bodyless requests are served by the fast path, on one upstream connection, with filters applied', async () => {
  const before = { ...fastPathStats };
  const sockets = upstreamSockets;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    for (let i = 0; i < 3; i++) {
      const res = await new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>((resolve, reject) => {
        http.get({ port: plane.port, host: '127.0.0.1', path: `/p/x?i=${i}`, agent, headers: { host: 'app.test' } }, (r) => {
          let body = '';
          r.setEncoding('utf8').on('data', (c) => (body += c)).on('end', () => resolve({ status: r.statusCode!, headers: r.headers, body }));
        }).on('error', reject);
      });
      assert.equal(res.status, 200);
      assert.equal(res.headers['x-res'], 'set');
      assert.equal(res.headers['x-up'], '1');
      const seen = JSON.parse(res.body);
      assert.equal(seen.url, `/p/x?i=${i}`);
      assert.equal(seen.headers['x-req'], 'set');
      assert.equal(seen.headers.host, 'app.test');
      assert.equal(seen.headers['x-forwarded-for'], '127.0.0.1');
    }
  } finally {
    agent.destroy();
  }
  assert.equal(fastPathStats.requests - before.requests, 3);
  assert.equal(fastPathStats.handedOver, before.handedOver);
  assert.equal(upstreamSockets - sockets, 1, 'the upstream connection is kept alive and reused');
});

test('a request with a body goes to node:http, and so does the rest of that connection', async () => {
  const before = { ...fastPathStats };
  const bytes = 'GET /p/first HTTP/1.1\r\nHost: a\r\n\r\n';
  const first = await exchange(plane.port, bytes, (t) => t.includes('"url":"/p/first"'));
  assert.match(first.text, /^HTTP\/1\.1 200 OK/);
  const post = 'POST /p/post HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhelloGET /p/after HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n';
  const r = await exchange(plane.port, post, () => false);
  assert.equal(count(r.text, 'HTTP/1.1 200 OK'), 2);
  assert.match(r.text, /"body":"hello"/);
  assert.match(r.text, /"url":"\/p\/after"/);
  assert.ok(r.closed);
  assert.equal(fastPathStats.handedOver - before.handedOver, 1);
});

test('pipelined requests are answered in order (node:http serves them)', async () => {
  const bytes = 'GET /p/1 HTTP/1.1\r\nHost: a\r\n\r\nGET /p/2 HTTP/1.1\r\nHost: a\r\n\r\nGET /p/3 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n';
  const r = await exchange(plane.port, bytes, () => false);
  const urls = [...r.text.matchAll(/"url":"([^"]+)"/g)].map((m) => m[1]);
  assert.deepEqual(urls, ['/p/1', '/p/2', '/p/3']);
});

test('a large chunked response arrives whole, however slowly the client reads', async () => {
  const r = await new Promise<Buffer>((resolve, reject) => {
    http.get({ port: plane.port, host: '127.0.0.1', path: '/p/big', agent: false }, (res) => {
      assert.equal(res.headers['transfer-encoding'], 'chunked');
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => {
        chunks.push(c);
        // Pauses now and then, so the proxy's writes fill up and it must stop reading the upstream.
        if (chunks.length % 8 === 0) {
          res.pause();
          setImmediate(() => res.resume());
        }
      });
      res.on('end', () => resolve(Buffer.concat(chunks)));
    }).on('error', reject);
  });
  assert.equal(r.length, BIG.length);
  assert.equal(createHash('sha256').update(r).digest('hex'), createHash('sha256').update(BIG).digest('hex'));
});

test('a client that stops reading stops the proxy reading the upstream, and then gets every byte', async () => {
  hugeSent = 0;
  const socket = net.connect(plane.port, '127.0.0.1');
  socket.pause();
  socket.write('GET /p/huge HTTP/1.1\r\nHost: a\r\n\r\n');
  // Long enough for every socket buffer on the way to fill; what the upstream got out beyond that sits in the proxy.
  await new Promise((resolve) => setTimeout(resolve, 400));
  const total = HUGE_CHUNK.length * HUGE_CHUNKS;
  assert.ok(hugeSent < total * 0.75, `the proxy read ${hugeSent} of ${total} bytes while the client read none`);
  const received = await new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let head = '';
    let size = 0;
    socket.on('data', (c: Buffer) => {
      if (head === '') {
        // The head is small and comes first: look for its end in the first read or two only.
        chunks.push(c);
        const start = Buffer.concat(chunks);
        const end = start.indexOf('\r\n\r\n');
        if (end === -1) return;
        head = start.subarray(0, end).toString('latin1');
        chunks.length = 0;
        c = start.subarray(end + 4);
      }
      chunks.push(c);
      size += c.length;
      if (size >= total) resolve(Buffer.concat(chunks));
    });
    socket.on('error', reject);
    socket.resume();
  });
  socket.destroy();
  assert.equal(received.length, total);
  const expected = createHash('sha256');
  for (let i = 0; i < HUGE_CHUNKS; i++) expected.update(HUGE_CHUNK);
  assert.equal(createHash('sha256').update(received).digest('hex'), expected.digest('hex'));
});

test('trailers of a chunked response are passed on', async () => {
  const r = await exchange(plane.port, 'GET /p/trailers HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n', () => false);
  assert.match(r.text, /Transfer-Encoding: chunked/);
  assert.match(r.text, /part one,/);
  assert.match(r.text, /part two/);
  assert.match(r.text, /0\r\nx-checksum: abc\r\n\r\n$/);
});

test('HEAD keeps the Content-Length and sends no body', async () => {
  const r = await exchange(plane.port, 'HEAD /p/h HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n', () => false);
  assert.match(r.text, /^HTTP\/1\.1 200 OK/);
  assert.match(r.text, /content-length: \d+/);
  assert.ok(r.text.endsWith('\r\n\r\n'), 'nothing after the head');
});

test('an upstream that closes its kept-alive connection does not fail the next request', async () => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    for (const path of ['/p/bye', '/p/x', '/p/bye', '/p/y']) {
      const status = await new Promise<number>((resolve, reject) => {
        http.get({ port: plane.port, host: '127.0.0.1', path, agent }, (r) => {
          r.resume();
          r.on('end', () => resolve(r.statusCode!));
        }).on('error', reject);
      });
      assert.equal(status, 200, path);
    }
  } finally {
    agent.destroy();
  }
});

test('a refused upstream connection answers 502 with the reason', async () => {
  const r = await exchange(plane.port, 'GET /dead HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n', () => false);
  assert.match(r.text, /^HTTP\/1\.1 502 Bad Gateway/);
  assert.match(r.text, /x-portico-error: ECONNREFUSED/);
});

test('a head the parser refuses gets 400 and the connection closes', async () => {
  const r = await exchange(plane.port, 'GET /p/x HTTP/1.1\r\nHost: a\r\nBad Header: x\r\n\r\n', () => false);
  assert.match(r.text, /^HTTP\/1\.1 400 Bad Request/);
  assert.ok(r.closed);
});

test('endless blank lines before a request line are cut off like a head too large: 431, and the connection closes', async () => {
  const socket = net.connect(plane.port, '127.0.0.1');
  socket.setEncoding('latin1');
  socket.on('error', () => {});
  let text = '';
  socket.on('data', (d: string) => { text += d; });
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  // In several reads: llhttp skips blank lines between requests, and the fast path keeps what it read for a replay.
  for (let i = 0; i < 40 && !socket.destroyed; i++) {
    socket.write('\r\n'.repeat(1024));
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  await closed;
  assert.match(text, /^HTTP\/1\.1 431 /);
});

test('a head that never completes gets 408 and the connection closes', async () => {
  const r = await exchange(plane.port, 'GET /p/x HTTP/1.1\r\nHost: a\r\n', () => false);
  assert.match(r.text, /^HTTP\/1\.1 408 Request Timeout/);
  assert.ok(r.closed);
});

test('the access log and metrics see fast-path requests', async () => {
  const before = plane.log.length;
  await exchange(plane.port, 'GET /p/logged HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n', () => false);
  const entry = plane.log.slice(before).find((e) => e.path === '/p/logged');
  assert.ok(entry, 'logged');
  assert.equal(entry.status, 200);
  assert.equal(entry.route, 'p');
  assert.equal(entry.backend, 'a');
});
