// The fast path's own reading of simple upstream response heads against llhttp's, on generated and mutated heads:
// whatever simpleResponseHead accepts, llhttp must accept too and read the same way (status, headers, keep-alive,
// body length). What it declines is llhttp's to read, so declining is always safe; the test also checks that the
// common shapes are accepted, or the fast reading would silently never run.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createParser, isParseError } from '../../src/dataplane/http1/llhttp.ts';
import { simpleResponseHead } from '../../src/dataplane/http1/response-head.ts';
import { seededRandom } from '../support/seeded-random.ts';

const MAX = 64 * 1024;

type Reading = { error: string } | { status: number; raw: string[]; keepAlive: boolean; body: number; complete: boolean };

function llhttpReads(bytes: Buffer): Reading {
  let status = 0;
  let raw: string[] = [];
  let keepAlive = false;
  let body = 0;
  let complete = false;
  const parser = createParser('response', MAX, {
    onHeaders: (headers) => { raw.push(...headers); },
    onHeadersComplete: (_maj, _min, headers, _m, _u, s, _msg, _up, ka) => {
      if (headers !== undefined) raw = headers;
      status = s;
      keepAlive = ka;
      return 0;
    },
    onBody: (chunk) => { body += chunk.length; },
    onMessageComplete: () => { complete = true; },
  });
  const r = parser.execute(bytes);
  if (isParseError(r)) return { error: r.code };
  return { status, raw, keepAlive, body, complete };
}

const STATUS_LINES = [
  'HTTP/1.1 200 OK', 'HTTP/1.1 200 ', 'HTTP/1.1 200', 'HTTP/1.1 404 Not Found', 'HTTP/1.1 503 Service\tUnavailable',
  'HTTP/1.1 200 caf\xe9', 'HTTP/1.1 200 O\x7fK', 'HTTP/1.1 200 O\x01K', 'HTTP/1.0 200 OK', 'HTTP/2 200 OK', 'http/1.1 200 OK',
  'HTTP/1.1 100 Continue', 'HTTP/1.1 204 No Content', 'HTTP/1.1 304 Not Modified', 'HTTP/1.1 599 X', 'HTTP/1.1 600 X',
  'HTTP/1.1 20 OK', 'HTTP/1.1 2000 OK', 'HTTP/1.1  200 OK', 'HTTP/1.1 200  OK', ' HTTP/1.1 200 OK',
];
const LENGTHS = ['5', '0', '0005', ' 5', '5 ', '+5', '5,5', '-1', '1234567890123456', '123456789012345', '', '0x5', '5\t'];
const CONNECTIONS = ['keep-alive', 'Keep-Alive', 'close', 'CLOSE', 'upgrade', 'keep-alive, close', ' keep-alive', 'close '];
const NAMES = ['X-A', 'content-type', 'Server', 'x a', 'x:a', '', 'x\x01', 'X_Y', "x!#$%&'*+-.^`|~", 'Content-Length ', 'Transfer-Encoding', 'TE', 'Proxy-Connection', 'Connection'];
const VALUES = ['v', '', 'close', 'keep-alive', 'a\tb', 'caf\xe9', 'a\x7fb', 'a\x00b', 'trailing ', '\tlead', 'x'.repeat(300), 'chunked', 'gzip, chunked'];

function generated(next: () => number): Buffer {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)];
  const lines = [next() < 0.7 ? 'HTTP/1.1 200 OK' : pick(STATUS_LINES)];
  const count = Math.floor(next() * 6);
  let length = next() < 0.8 ? '5' : pick(LENGTHS);
  for (let k = 0; k < count; k++) {
    const roll = next();
    if (roll < 0.15) lines.push(`Connection: ${pick(CONNECTIONS)}`);
    else if (roll < 0.2) lines.push(`Content-Length: ${pick(LENGTHS)}`);
    else if (roll < 0.25) lines.push(`Transfer-Encoding: ${pick(VALUES)}`);
    else if (roll < 0.28) lines.push(' folded');
    else lines.push(`${next() < 0.8 ? 'X-A' : pick(NAMES)}:${next() < 0.8 ? ' ' : ''}${next() < 0.8 ? 'v' : pick(VALUES)}`);
  }
  if (next() < 0.9) lines.splice(1 + Math.floor(next() * count), 0, `Content-Length: ${length}`);
  else length = '';
  let head = lines.join(next() < 0.95 ? '\r\n' : '\n') + (next() < 0.95 ? '\r\n\r\n' : '\n\n');
  if (next() < 0.2) {
    // A byte changed anywhere: the status line, a name, a separator, the line endings.
    const at = Math.floor(next() * head.length);
    head = head.slice(0, at) + String.fromCharCode(Math.floor(next() * 256)) + head.slice(at + 1);
  }
  const n = /^[ \t]*\d+[ \t]*$/.test(length) ? Math.min(Number(length.trim()), 64) : 0;
  return Buffer.from(head + 'b'.repeat(n), 'latin1');
}

test('whatever the fast reading accepts, llhttp reads the same way', () => {
  const next = seededRandom(0x5eed);
  let accepted = 0;
  const total = 50_000;
  for (let k = 0; k < total; k++) {
    const bytes = generated(next);
    const simple = simpleResponseHead(bytes, MAX);
    if (simple === null) continue;
    accepted++;
    // llhttp gets the head as the fast reading cut it, and the body its Content-Length announces (up to 64 bytes).
    const body = Math.min(simple.contentLength, 64);
    const full = llhttpReads(Buffer.concat([bytes.subarray(0, simple.bodyStart), Buffer.alloc(body, 'b')]));
    const shown = JSON.stringify(bytes.toString('latin1'));
    assert.ok(!('error' in full), `llhttp refuses what the fast reading accepted: ${shown} (${'error' in full ? full.error : ''})`);
    assert.equal(full.status, simple.status, shown);
    assert.deepEqual(full.raw, simple.raw, shown);
    assert.equal(full.keepAlive, simple.keepAlive, shown);
    assert.equal(full.body, body, shown);
    assert.equal(full.complete, simple.contentLength <= 64, shown);
  }
  assert.ok(accepted > total / 5, `only ${accepted} of ${total} generated heads were read without llhttp`);
});

test('the usual answers are read without llhttp; anything unusual is left to it', () => {
  const read = (text: string) => simpleResponseHead(Buffer.from(text, 'latin1'), MAX);
  const usual = 'HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nhi';
  const ok = read(usual);
  assert.deepEqual(ok, {
    status: 200, raw: ['Server', 'nginx', 'Content-Type', 'text/plain', 'Content-Length', '2', 'Connection', 'keep-alive'],
    contentLength: 2, keepAlive: true, bodyStart: usual.length - 2,
  });
  assert.equal(read('HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n')?.keepAlive, false);
  for (const unusual of [
    'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n', // chunked
    'HTTP/1.1 200 OK\r\nServer: x\r\n\r\n', // to the end of the connection
    'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nhi', // repeated length
    'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n', // head not complete in this read
    'HTTP/1.1 100 Continue\r\n\r\n', // informational
    'HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n', // no body whatever the length says
    'HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nhi', // 1.0 keep-alive rules
    'HTTP/1.1 200 OK\r\nConnection: keep-alive, Upgrade\r\nContent-Length: 2\r\n\r\nhi', // a list
  ]) assert.equal(read(unusual), null, JSON.stringify(unusual));
  // The head's size limit applies as llhttp's does: a head that does not end within it is left to llhttp.
  assert.equal(simpleResponseHead(Buffer.from(`HTTP/1.1 200 OK\r\nX: ${'a'.repeat(100)}\r\nContent-Length: 0\r\n\r\n`), 64), null);
});
