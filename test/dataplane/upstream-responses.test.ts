// How the HTTP/1.1 fast path reads what upstreams answer, over real sockets: the simple shape it reads itself
// (response-head.ts), split across reads or not, and every other shape it leaves to llhttp; and what happens to
// the upstream connection after answers that put it out of step. The upstream here is a raw socket server that
// writes exactly the bytes each case scripts.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fastPathStats } from '../../src/dataplane/http1/connection.ts';
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
  '/r/uppercase': ['HTTP/1.1 404 Not Found\r\nCONTENT-LENGTH: 4\r\nCONNECTION: KEEP-ALIVE\r\n\r\nnope'],
};

let upstream: net.Server;
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
  const port = (upstream.address() as net.AddressInfo).port;
  plane = await startPlane([
    config({ listeners: [simpleListener(0, [route('r', { path: prefix('/r') })])], backends: { a: [local(port)] } }),
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
