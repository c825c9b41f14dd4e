// The fast path's own reading of simple request heads against llhttp's (node:http's parser, strict as node:http runs
// it), on generated and mutated heads: whatever simpleRequestHead accepts, llhttp must accept too and read the same
// way (method, target, headers, keep-alive, no body, no upgrade). Declining is always safe: llhttp then reads it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createParser, isParseError, METHODS } from '../../src/dataplane/http1/llhttp.ts';
import { simpleRequestHead } from '../../src/dataplane/http1/request-head.ts';
import { seededRandom } from '../support/seeded-random.ts';

const MAX = 16 * 1024;

type Reading = { error: string } | { method: string; target: string; raw: string[]; keepAlive: boolean; upgrade: boolean; complete: boolean; body: number };

function llhttpReads(bytes: Buffer): Reading {
  let raw: string[] = [];
  let target = '';
  let method = '';
  let keepAlive = false;
  let upgrade = false;
  let complete = false;
  let body = 0;
  const parser = createParser('request', MAX, {
    onHeaders: (headers, url) => { raw.push(...headers); target += url; },
    onHeadersComplete: (_maj, _min, headers, m, url, _s, _msg, up, ka) => {
      if (headers !== undefined) raw = headers;
      if (url !== undefined) target = url;
      method = METHODS[m] ?? '';
      keepAlive = ka;
      upgrade = up;
      return 0;
    },
    onBody: (chunk) => { body += chunk.length; },
    onMessageComplete: () => { complete = true; },
  });
  const r = parser.execute(bytes);
  if (isParseError(r)) return { error: r.code };
  return { method, target, raw, keepAlive, upgrade, complete, body };
}

const LINES = [
  'GET / HTTP/1.1', 'GET /a/b?c=d&e=%20f HTTP/1.1', 'HEAD /x HTTP/1.1', 'POST /p HTTP/1.1', 'DELETE /d HTTP/1.1',
  'OPTIONS * HTTP/1.1', 'PATCH /p HTTP/1.1', 'CONNECT /c HTTP/1.1', 'PRI / HTTP/1.1', 'get / HTTP/1.1', 'GET  / HTTP/1.1',
  'GET / HTTP/1.0', 'GET / HTTP/2.0', 'GET http://a/ HTTP/1.1', 'GET /#frag HTTP/1.1', 'GET /caf\xe9 HTTP/1.1',
  'GET /a b HTTP/1.1', 'GET /a\tb HTTP/1.1', "GET /~!$&'()*+,;=:@ HTTP/1.1", 'GET /"q" HTTP/1.1', 'GET /{x}|^` HTTP/1.1',
  'GET / HTTP/1.1 ', 'GET /\x7f HTTP/1.1', 'MKCOL /m HTTP/1.1', 'GETS / HTTP/1.1',
];
const NAMES = ['Host', 'host', 'HOST', 'User-Agent', 'Accept', 'x a', 'x:a', '', 'x\x01', "x!#$%&'*+-.^`|~", 'Host ', 'Content-Length', 'Transfer-Encoding', 'Expect', 'Upgrade', 'Connection', 'Proxy-Connection', 'TE'];
const VALUES = ['a', '', 'a\tb', 'caf\xe9', 'a\x7fb', 'a\x00b', 'trailing ', '\tlead', 'close', 'keep-alive', 'Keep-Alive', 'CLOSE', 'upgrade', 'keep-alive, close', '5', 'chunked', '100-continue', 'websocket', 'x'.repeat(200)];

function generated(next: () => number): Buffer {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)];
  const lines = [next() < 0.6 ? 'GET /a?b=c HTTP/1.1' : pick(LINES)];
  const count = Math.floor(next() * 6);
  for (let k = 0; k < count; k++) {
    lines.push(`${next() < 0.6 ? 'X-A' : pick(NAMES)}:${next() < 0.8 ? ' ' : ''}${next() < 0.7 ? 'v' : pick(VALUES)}`);
  }
  if (next() < 0.9) lines.splice(1 + Math.floor(next() * count), 0, `Host: ${next() < 0.9 ? 'example.com' : pick(VALUES)}`);
  let head = lines.join(next() < 0.95 ? '\r\n' : '\n') + (next() < 0.95 ? '\r\n\r\n' : '\n\n');
  if (next() < 0.2) {
    const at = Math.floor(next() * head.length);
    head = head.slice(0, at) + String.fromCharCode(Math.floor(next() * 256)) + head.slice(at + 1);
  }
  if (next() < 0.05) head += 'GET / HTTP/1.1\r\nHost: b\r\n\r\n';
  return Buffer.from(head, 'latin1');
}

test('whatever the fast reading accepts, llhttp reads the same way', () => {
  const next = seededRandom(0xbeef);
  let accepted = 0;
  const total = 50_000;
  for (let k = 0; k < total; k++) {
    const bytes = generated(next);
    const simple = simpleRequestHead(bytes, MAX);
    if (simple === null) continue;
    accepted++;
    const full = llhttpReads(bytes);
    const shown = JSON.stringify(bytes.toString('latin1'));
    assert.ok(!('error' in full), `llhttp refuses what the fast reading accepted: ${shown} (${'error' in full ? full.error : ''})`);
    assert.deepEqual(
      { method: full.method, target: full.target, raw: full.raw, keepAlive: full.keepAlive },
      { method: simple.method, target: simple.target, raw: simple.raw, keepAlive: simple.keepAlive }, shown,
    );
    assert.equal(full.upgrade, false, shown);
    assert.ok(full.complete && full.body === 0, `a bodiless request, wholly read: ${shown}`);
  }
  assert.ok(accepted > total / 5, `only ${accepted} of ${total} generated heads were read without llhttp`);
});

test('the usual requests are read without llhttp; anything unusual is left to it', () => {
  const read = (text: string) => simpleRequestHead(Buffer.from(text, 'latin1'), MAX);
  assert.deepEqual(read('GET /a?b=c HTTP/1.1\r\nHost: example.com\r\nUser-Agent: t\r\nConnection: keep-alive\r\n\r\n'), {
    method: 'GET', target: '/a?b=c', raw: ['Host', 'example.com', 'User-Agent', 't', 'Connection', 'keep-alive'], keepAlive: true,
  });
  assert.equal(read('HEAD / HTTP/1.1\r\nhost: a\r\nconnection: close\r\n\r\n')?.keepAlive, false);
  for (const unusual of [
    'GET / HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n', // pipelined
    'GET / HTTP/1.1\r\nHost: a\r\n', // not complete in this read
    'GET / HTTP/1.1\r\n\r\n', // no Host
    'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n', // two
    'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n', // a length, even of nothing
    'GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n',
    'GET / HTTP/1.0\r\nHost: a\r\n\r\n',
    'GET http://a/ HTTP/1.1\r\nHost: a\r\n\r\n', // absolute form
    'GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n',
    'GET / HTTP/1.1\nHost: a\n\n', // bare LF
  ]) assert.equal(read(unusual), null, JSON.stringify(unusual));
});
