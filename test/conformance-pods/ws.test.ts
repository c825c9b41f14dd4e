import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startHttpEcho, type HttpEchoServer } from '../../conformance/pods/http-echo.ts';
import { acceptKey, decodeFrame, encodeFrame } from '../../conformance/pods/ws.ts';
import { get, rawRequest, testPod } from './helpers.ts';

const IP = '127.0.0.42';
const pod = testPod(IP);
let srv: HttpEchoServer;
before(async () => (srv = await startHttpEcho(pod)));
after(() => srv.close());

const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
const MASK = Buffer.from([1, 2, 3, 4]);

/** A tiny client: the handshake, then frames as they arrive. */
function connect(headers: string[]): Promise<{ sock: net.Socket; head: string; next(): Promise<{ opcode: number; payload: Buffer } | 'closed'> }> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(srv.ports.http, IP);
    let buf = Buffer.alloc(0);
    let head: string | undefined;
    let closed = false;
    let wake: (() => void) | undefined;
    sock.on('error', reject);
    sock.on('close', () => {
      closed = true;
      wake?.();
    });
    const next = async () => {
      for (;;) {
        const f = decodeFrame(buf);
        if (f && f !== 'too-large') {
          buf = buf.subarray(f.size);
          return { opcode: f.opcode, payload: f.payload };
        }
        if (closed) return 'closed' as const;
        await new Promise<void>((r) => (wake = r));
      }
    };
    sock.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (head === undefined) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        head = buf.subarray(0, end).toString();
        buf = buf.subarray(end + 4);
        resolve({ sock, head, next });
      }
      wake?.();
    });
    sock.write(`GET /ws HTTP/1.1\r\nHost: ws.example\r\n${headers.map((h) => h + '\r\n').join('')}\r\n`);
  });
}

const upgrade = ['Upgrade: websocket', 'Connection: Upgrade', `Sec-WebSocket-Key: ${KEY}`, 'Sec-WebSocket-Version: 13'];

test('ws: handshake answers Sec-WebSocket-Accept and echoes text and binary frames', async () => {
  const c = await connect([...upgrade, 'Origin: http://ws.example']);
  try {
    assert.match(c.head, /^HTTP\/1\.1 101 Switching Protocols\r\n/);
    assert.ok(c.head.includes(`\r\nSec-WebSocket-Accept: ${acceptKey(KEY)}`));
    assert.equal(acceptKey(KEY), 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=', 'RFC 6455 section 1.3 example');
    c.sock.write(encodeFrame(0x1, Buffer.from('Hello, World!'), MASK));
    const text = await c.next();
    assert.notEqual(text, 'closed');
    assert.equal(text !== 'closed' && text.payload.toString(), 'Hello, World!');
    const binary = Buffer.from([0, 1, 2, 255, 254]);
    c.sock.write(encodeFrame(0x2, binary, MASK));
    const echoed = await c.next();
    // x/net's io.Copy(ws, ws) writes with its default payload type: every echo is a text frame.
    assert.deepEqual(echoed !== 'closed' && [echoed.opcode, echoed.payload], [0x1, binary]);
    const big = Buffer.alloc(70_000, 7);
    c.sock.write(encodeFrame(0x2, big, MASK));
    const bigEcho = await c.next();
    assert.deepEqual(bigEcho !== 'closed' && bigEcho.payload, big);
    c.sock.write(encodeFrame(0x9, Buffer.from('ping'), MASK));
    const pong = await c.next();
    assert.deepEqual(pong !== 'closed' && [pong.opcode, pong.payload.toString()], [0xa, 'ping']);
    c.sock.write(encodeFrame(0x8, Buffer.from([0x03, 0xe8]), MASK));
    assert.equal(await c.next(), 'closed', 'a close frame ends the connection');
  } finally {
    c.sock.destroy();
  }
  assert.ok(pod.lines.includes('established websocket connection http://ws.example'));
});

test('ws: an unmasked client frame gets close 1002', async () => {
  const c = await connect([...upgrade, 'Origin: http://ws.example']);
  try {
    c.sock.write(encodeFrame(0x1, Buffer.from('x')));
    const f = await c.next();
    assert.deepEqual(f !== 'closed' && [f.opcode, f.payload.readUInt16BE(0)], [0x8, 1002]);
  } finally {
    c.sock.destroy();
  }
});

test('ws: x/net rejections — no Origin 403, wrong version 400, not an upgrade 400', async () => {
  const noOrigin = await rawRequest(IP, srv.ports.http, `GET /ws HTTP/1.1\r\nHost: a\r\n${upgrade.join('\r\n')}\r\n\r\n`);
  assert.equal(noOrigin.status, 403);
  const badOrigin = await rawRequest(IP, srv.ports.http, `GET /ws HTTP/1.1\r\nHost: a\r\nOrigin: null\r\n${upgrade.join('\r\n')}\r\n\r\n`);
  assert.equal(badOrigin.status, 403);
  const version = await rawRequest(IP, srv.ports.http, `GET /ws HTTP/1.1\r\nHost: a\r\nOrigin: http://a\r\n${upgrade.slice(0, 3).join('\r\n')}\r\nSec-WebSocket-Version: 8\r\n\r\n`);
  assert.equal(version.status, 400);
  assert.equal(version.body, 'missing or bad WebSocket Version');
  const plain = await rawRequest(IP, srv.ports.http, get('/ws'));
  assert.equal(plain.status, 400);
  assert.equal(plain.body, 'not websocket protocol');
});
