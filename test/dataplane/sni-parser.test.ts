// The ClientHello parser: real hellos from Node's TLS client, every prefix, split records, garbage and mutations.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { MAX_HELLO_BYTES, parseClientHello } from '../../src/dataplane/sni.ts';
import { captureClientHello } from './l4-support.ts';

let hello: Buffer;
let noSni: Buffer;
before(async () => {
  hello = await captureClientHello('Abc.Example.com');
  noSni = await captureClientHello();
});

test('reads the server name of a real ClientHello, lower-cased', () => {
  assert.deepEqual(parseClientHello(hello), { type: 'ok', serverName: 'abc.example.com' });
});

test('a hello without SNI has no server name', () => {
  assert.deepEqual(parseClientHello(noSni), { type: 'ok', serverName: null });
});

test('every strict prefix asks for more bytes', () => {
  for (let n = 0; n < hello.length; n++) assert.equal(parseClientHello(hello.subarray(0, n)).type, 'need-more', `prefix of ${n} bytes`);
});

test('a hello split across two records is reassembled', () => {
  const body = hello.subarray(5);
  const cut = 40;
  const rec = (b: Buffer) => Buffer.concat([Buffer.from([22, 3, 1, b.length >> 8, b.length & 0xff]), b]);
  const split = Buffer.concat([rec(body.subarray(0, cut)), rec(body.subarray(cut))]);
  assert.deepEqual(parseClientHello(split), { type: 'ok', serverName: 'abc.example.com' });
});

test('plain text, other record types and absurd lengths are invalid', () => {
  assert.equal(parseClientHello(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n')).type, 'invalid');
  assert.equal(parseClientHello(Buffer.from([23, 3, 3, 0, 10])).type, 'invalid');
  assert.equal(parseClientHello(Buffer.from([22, 3, 1, 0xff, 0xff])).type, 'invalid');
  assert.equal(parseClientHello(Buffer.from([22, 3, 1, 0, 0])).type, 'invalid');
  // A handshake that announces more than the bound is refused before it is buffered.
  assert.equal(parseClientHello(Buffer.from([22, 3, 1, 0, 4, 1, 0x01, 0x00, 0x00])).type, 'invalid');
  assert.ok(MAX_HELLO_BYTES < 0x10000);
  // Not a ClientHello (ServerHello type 2).
  assert.equal(parseClientHello(Buffer.from([22, 3, 3, 0, 4, 2, 0, 0, 0])).type, 'invalid');
});

test('a hello truncated inside its body is invalid, not a crash', () => {
  const h = Buffer.from(hello);
  // Claim a handshake body of 40 bytes: random and session id fit, cipher suites run past the end.
  const body = Buffer.concat([Buffer.from([1, 0, 0, 40]), h.subarray(9, 9 + 40)]);
  const rec = Buffer.concat([Buffer.from([22, 3, 1, 0, body.length]), body]);
  assert.equal(parseClientHello(rec).type, 'invalid');
});

test('flipping any single byte never throws and always gives a known answer', () => {
  for (let i = 0; i < hello.length; i++) {
    for (const mask of [0xff, 0x80, 0x01]) {
      const m = Buffer.from(hello);
      m[i] ^= mask;
      const r = parseClientHello(m);
      assert.ok(['ok', 'invalid', 'need-more'].includes(r.type), `byte ${i}`);
      if (r.type === 'ok' && r.serverName !== null) assert.match(r.serverName, /^[a-z0-9_.-]+$/);
    }
  }
});

test('endless garbage is refused once past the bound', () => {
  const junk = Buffer.alloc(MAX_HELLO_BYTES * 2, 0x16);
  assert.equal(parseClientHello(junk).type, 'invalid');
});
