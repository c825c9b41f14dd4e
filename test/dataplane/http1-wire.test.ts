// The fast path's header handling gives what the node:http path gives (undici's parseHeaders, then stripHopByHop).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { util } from 'undici';
import { stripHopByHop } from '../../src/dataplane/headers.ts';
import { headerObject, responseHeaders } from '../../src/dataplane/http1/wire.ts';

const reference = (raw: string[]) => stripHopByHop(util.parseHeaders(raw) as Record<string, string | string[] | undefined>);

test('response headers: same object as parseHeaders + stripHopByHop, case by case', () => {
  const cases: string[][] = [
    ['Content-Type', 'text/plain', 'Content-Length', '3'],
    ['Set-Cookie', 'a=1', 'set-cookie', 'b=2', 'X-A', '1', 'x-a', '2', 'X-A', '3'],
    ['Connection', 'keep-alive, X-Secret', 'X-Secret', 'no', 'Keep-Alive', 'timeout=5', 'X-Kept', 'yes'],
    ['Connection', 'x-one', 'Connection', 'x-two', 'X-One', '1', 'X-Two', '2'],
    ['Transfer-Encoding', 'chunked', 'Trailer', 'x-t', 'Upgrade', 'h2c', 'TE', 'trailers', 'Proxy-Authenticate', 'Basic'],
    ['X-Empty', '', 'X-Empty', 'then', 'Vary', 'a', 'Vary', ''],
    [],
  ];
  for (const raw of cases) assert.deepEqual(responseHeaders(raw), reference(raw), JSON.stringify(raw));
});

test('response headers: same object as the reference on random header lists', () => {
  const names = ['Connection', 'connection', 'X-A', 'x-a', 'Set-Cookie', 'Keep-Alive', 'Date', 'X-B', 'TE', 'Content-Length'];
  const values = ['', '1', 'x-a', 'X-B, close', 'keep-alive', 'a, b', ' x-a , te '];
  let seed = 7;
  const next = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  for (let i = 0; i < 500; i++) {
    const raw: string[] = [];
    for (let j = next(7); j > 0; j--) raw.push(names[next(names.length)], values[next(values.length)]);
    assert.deepEqual(responseHeaders(raw), reference(raw), JSON.stringify(raw));
  }
});

test('request headers: node:http\'s rules for repeats (first wins, cookie joined with ;, set-cookie as a list)', () => {
  assert.deepEqual(
    headerObject(['Host', 'a', 'host', 'b', 'Cookie', 'x=1', 'cookie', 'y=2', 'Accept', 'a', 'accept', 'b', 'Set-Cookie', 's=1']),
    { host: 'a', cookie: 'x=1; y=2', accept: 'a, b', 'set-cookie': ['s=1'] },
  );
});
