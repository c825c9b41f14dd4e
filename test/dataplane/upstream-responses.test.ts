// How the HTTP/1.1 fast path reads what upstreams answer, over real sockets: the simple shape it reads itself
// (response-head.ts), split across reads or not, and every other shape it leaves to llhttp; and what happens to
// the upstream connection after answers that put it out of step. The upstream here is a raw socket server that
// writes exactly the bytes each case scripts.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fastPathStats } from '../../src/dataplane/http1/connection.ts';
import { RawPool, type Exchange } from '../../src/dataplane/http1/upstream-conn.ts';
import { startPlane, type Plane } from './fixture.ts';
import { config, local, prefix, route, simpleListener } from './ir-builders.ts';

/**
 * Per path: the pieces the upstream writes, with a short pause between them; null closes the connection. `{conn}`
 * becomes the number of the upstream connection that answers.
 */
const SCRIPTS: Record<string, (string | null)[]> = {
  '/r/simple': ['HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-Conn: {conn}\r\n\r\nhello'],
  '/r/split-body': ['HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nhel', 'lo', ' world'],
  '/r/split-head': ['HTTP/1.1 200 OK\r\nContent-Len', 'gth: 5\r\n\r\nhello'],
  '/r/empty': ['HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'],
  '/r/extra': ['HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Conn: {conn}\r\n\r\nokHTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nforged'],
  '/r/short': ['HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhalf', null],
  '/r/chunked': ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n', '0\r\nx-sum: 1\r\n\r\n'],
  '/r/to-close': ['HTTP/1.1 200 OK\r\n\r\nuntil the end', null],
  '/r/continue': ['HTTP/1.1 100 Continue\r\n\r\n', 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'],
  '/r/close': ['HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nbye'],
  '/r/garbage': ['HTTP/1.1 2x0 OK\r\n\r\n'],
  '/r/no-content': ['HTTP/1.1 204 No Content\r\n\r\n'],
  '/r/slow': ['', 'HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nslow'],
  '/r/chunked-stray': ['HTTP/1.1 200 OK\r\nX-Conn: {conn}\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\nHTTP/1.1 200 OK\r\nX-Forged: 1\r\nContent-Le'],
  '/r/uppercase': ['HTTP/1.1 404 Not Found\r\nCONTENT-LENGTH: 4\r\nCONNECTION: KEEP-ALIVE\r\n\r\nnope'],
};

let upstream: net.Server;
let upstreamPort: number;
/** Requests the upstream received, by path. */
const received = new Map<string, number>();
/** Upstream connections opened so far: shows when the proxy reused one and when it had to open another. */
let opened = 0;
let plane: Plane;

before(async () => {
  upstream = net.createServer((socket) => {
    const conn = String(++opened);
    let pending = '';
    socket.setEncoding('latin1');
    socket.on('data', async (d: string) => {
      pending += d;
      for (let end = pending.indexOf('\r\n\r\n'); end !== -1; end = pending.indexOf('\r\n\r\n')) {
        const head = pending.slice(0, end);
        pending = pending.slice(end + 4);
        const path = head.split(' ')[1];
        received.set(path, (received.get(path) ?? 0) + 1);
        for (const piece of SCRIPTS[path] ?? ['HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n']) {
          if (piece === null) return void socket.end();
          socket.write(piece.replace('{conn}', conn));
          await sleep(15);
        }
      }
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  upstreamPort = (upstream.address() as net.AddressInfo).port;
  plane = await startPlane([
    config({ listeners: [simpleListener(0, [route('r', { path: prefix('/r') })])], backends: { a: [local(upstreamPort)] } }),
  ], { http1FastPath: true });
});

after(async () => {
  await plane.close();
  await new Promise<void>((resolve) => upstream.close(() => resolve()));
});

type Answer = { status: number; headers: string; body: string };

/** Requests `paths` one after another on one client connection; stops at the first answer that does not come. */
async function askInTurn(paths: string[]): Promise<Answer[]> {
  const socket = net.connect(plane.port, '127.0.0.1');
  socket.setEncoding('latin1');
  let buffered = '';
  let ended = false;
  let wake = () => {};
  socket.on('data', (d: string) => { buffered += d; wake(); });
  socket.on('end', () => { ended = true; wake(); });
  socket.on('error', () => { ended = true; wake(); });
  const answers: Answer[] = [];
  for (const path of paths) {
    socket.write(`GET ${path} HTTP/1.1\r\nHost: a\r\n\r\n`);
    for (;;) {
      const answer = takeAnswer(buffered, ended);
      if (answer !== null) {
        answers.push(answer.answer);
        buffered = buffered.slice(answer.used);
        break;
      }
      if (ended) {
        socket.destroy();
        return answers;
      }
      await new Promise<void>((resolve) => { wake = resolve; });
    }
  }
  socket.destroy();
  return answers;
}

/** One whole answer at the start of `text` (Content-Length, chunked, or up to the end), or null while incomplete. */
function takeAnswer(text: string, ended: boolean): { answer: Answer; used: number } | null {
  const end = text.indexOf('\r\n\r\n');
  if (end === -1) return null;
  const headers = text.slice(0, end);
  const status = Number(headers.split(' ')[1]);
  const length = /\r\ncontent-length: (\d+)/i.exec(headers);
  const start = end + 4;
  if (status === 204) return { answer: { status, headers, body: '' }, used: start };
  if (length !== null) {
    const n = Number(length[1]);
    return text.length - start >= n ? { answer: { status, headers, body: text.slice(start, start + n) }, used: start + n } : null;
  }
  if (/\r\ntransfer-encoding: chunked/i.test(headers)) {
    let at = start;
    let body = '';
    for (;;) {
      const line = text.indexOf('\r\n', at);
      if (line === -1) return null;
      const size = parseInt(text.slice(at, line), 16);
      if (size === 0) {
        const close = text.indexOf('\r\n\r\n', line);
        return close === -1 ? null : { answer: { status, headers: headers + text.slice(line, close), body }, used: close + 4 };
      }
      if (text.length < line + 2 + size + 2) return null;
      body += text.slice(line + 2, line + 2 + size);
      at = line + 2 + size + 2;
    }
  }
  return ended ? { answer: { status, headers, body: text.slice(start) }, used: text.length } : null;
}

test('simple answers, whole or split across reads, are passed on and the upstream connection is kept', async () => {
  const served = fastPathStats.requests;
  const before = opened;
  const answers = await askInTurn(['/r/simple', '/r/split-body', '/r/split-head', '/r/empty', '/r/uppercase', '/r/simple']);
  assert.deepEqual(answers.map((a) => [a.status, a.body]), [
    [200, 'hello'], [200, 'hello world'], [200, 'hello'], [200, ''], [404, 'nope'], [200, 'hello'],
  ]);
  assert.match(answers[0].headers, /\r\nx-conn: \d+/i);
  // The upstream's Connection header stays on its own hop; the client's connection is the proxy's business.
  assert.doesNotMatch(answers[4].headers, /KEEP-ALIVE/);
  assert.equal(opened - before, 1, 'one upstream connection served all six');
  assert.equal(fastPathStats.requests - served, 6);
});

test('chunked, informational, bodiless and to-the-end answers are read by llhttp in between simple ones', async () => {
  const answers = await askInTurn(['/r/chunked', '/r/simple', '/r/continue', '/r/no-content', '/r/simple', '/r/to-close', '/r/simple']);
  assert.deepEqual(answers.map((a) => [a.status, a.body]), [
    [200, 'hello'], [200, 'hello'], [200, 'ok'], [204, ''], [200, 'hello'], [200, 'until the end'], [200, 'hello'],
  ]);
  assert.match(answers[0].headers, /x-sum: 1/, 'the trailer is passed on');
});

test('bytes after a whole answer are not taken for the next one: that upstream connection is dropped', async () => {
  const answers = await askInTurn(['/r/extra', '/r/simple', '/r/simple']);
  assert.deepEqual(answers.map((a) => [a.status, a.body]), [[200, 'ok'], [200, 'hello'], [200, 'hello']]);
  const conns = answers.map((a) => /x-conn: (\d+)/i.exec(a.headers)?.[1]);
  assert.notEqual(conns[1], conns[0], 'the connection that sent too much is not used again');
  assert.equal(conns[2], conns[1], 'the next one is kept');
});

test('an answer shorter than its Content-Length is cut off, and the next request still works', async () => {
  const short = await askInTurn(['/r/short']);
  // The head went out before the upstream fell short: the client sees the connection end early, as with node:http.
  assert.equal(short.length, 0);
  const answers = await askInTurn(['/r/close', '/r/simple']);
  assert.deepEqual(answers.map((a) => [a.status, a.body]), [[200, 'bye'], [200, 'hello']]);
});

test('an answer llhttp refuses is a 502 for the client', async () => {
  const [answer] = await askInTurn(['/r/garbage']);
  assert.equal(answer.status, 502);
  assert.match(answer.headers, /x-portico-error: HPE_INVALID/i);
});

test('a partial head right after a chunked answer puts that upstream connection out of use', async () => {
  const answers = await askInTurn(['/r/chunked-stray', '/r/simple']);
  assert.deepEqual(answers.map((a) => [a.status, a.body]), [[200, 'ok'], [200, 'hello']]);
  const conns = answers.map((a) => /x-conn: (\d+)/i.exec(a.headers)?.[1]);
  assert.notEqual(conns[1], conns[0], 'the next request does not go where the stray bytes came from');
});

test('after a Connection: close answer, nothing more is read: a request behind it or after it never goes upstream', async () => {
  const before = received.get('/r/simple') ?? 0;
  // allowHalfOpen: this client keeps its side open after the proxy's end, as a careless client might.
  const socket = net.connect({ port: plane.port, host: '127.0.0.1', allowHalfOpen: true });
  socket.setEncoding('latin1');
  socket.on('error', () => {});
  let text = '';
  socket.on('data', (d: string) => { text += d; });
  const ended = new Promise<void>((resolve) => socket.on('end', () => resolve()));
  socket.write('GET /r/slow HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
  // A read of its own, while the first is still in flight.
  await sleep(5);
  socket.write('GET /r/simple HTTP/1.1\r\nHost: a\r\n\r\n');
  await ended;
  // When the two writes arrive as one read (a loaded machine), node:http gets both and answers as llhttp does to
  // bytes after a last request: 400.
  assert.match(text, /^(HTTP\/1\.1 200 OK\r\n[^]*\r\n\r\nslow|HTTP\/1\.1 400 Bad Request\r\nConnection: close\r\n\r\n)$/);
  // And one after the answer: the proxy has closed the connection, not just its sending side.
  socket.write('GET /r/simple HTTP/1.1\r\nHost: a\r\n\r\n');
  await sleep(100);
  socket.destroy();
  assert.equal(received.get('/r/simple') ?? 0, before, 'no request behind or after the last one went upstream');
});

test('an upstream connection whose reads a slow client paused is read again for its next exchange', async () => {
  const pool = new RawPool('127.0.0.1', upstreamPort, { connectMs: 1000, headersMs: 1000, bodyMs: 1000 });
  const once = (path: string, pauseAtEnd: boolean) => new Promise<string>((resolve, reject) => {
    let body = '';
    const exchange: Exchange = {
      onHead: () => 0,
      // As a client whose socket is full: the proxy is asked to stop reading with the last bytes.
      onBody: (chunk) => { body += chunk.toString('latin1'); return !pauseAtEnd; },
      onComplete: () => resolve(body),
      onError: (err) => reject(err),
    };
    pool.send(`GET ${path} HTTP/1.1\r\nhost: a\r\n\r\n`, exchange, false);
  });
  assert.equal(await once('/r/simple', true), 'hello');
  assert.equal(await once('/r/split-body', false), 'hello world');
  pool.close();
});
