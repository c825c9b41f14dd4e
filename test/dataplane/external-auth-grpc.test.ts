// ExternalAuth over gRPC: envoy.service.auth.v3.Authorization/Check on an h2c service. The test's service parses
// just enough of CheckRequest to find the headers, and answers with hand-built CheckResponse bytes.
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import type * as ir from '../../src/ir/types.ts';
import { decodeCheckResponse, encodeCheckRequest } from '../../src/dataplane/filters/ext-authz-grpc.ts';
import { startEcho, type Echo } from '../support/echo-server.ts';
import { request } from '../support/http-client.ts';
import { startPlane, type Plane } from './fixture.ts';
import { config, local, prefix, route, simpleListener } from './ir-builders.ts';

// ---- a few protobuf helpers for the test's side of the wire

function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 0x7f) { out.push((n & 0x7f) | 0x80); n >>>= 7; }
  out.push(n);
  return out;
}
const bytes = (field: number, data: Buffer | string) => {
  const b = typeof data === 'string' ? Buffer.from(data) : data;
  return Buffer.concat([Buffer.from([...varint((field << 3) | 2), ...varint(b.length)]), b]);
};
const int = (field: number, n: number) => Buffer.from([...varint(field << 3), ...varint(n)]);
const header = (field: number, key: string, value: string) => bytes(field, bytes(1, Buffer.concat([bytes(1, key), bytes(2, value)])));

/** Every length-delimited field, recursively, as text: enough to find header names and values in a CheckRequest. */
function strings(buf: Buffer, out: string[] = []): string[] {
  let i = 0;
  const read = () => {
    let n = 0, s = 0;
    for (;;) {
      if (i >= buf.length || s > 28) throw new Error('not a varint');
      const b = buf[i++];
      n |= (b & 0x7f) << s;
      if (b < 0x80) return n;
      s += 7;
    }
  };
  try {
    while (i < buf.length) {
      const key = read();
      if ((key & 7) === 0) read();
      else if ((key & 7) === 2) {
        const len = read();
        if (i + len > buf.length) return out;
        const sub = buf.subarray(i, i + len);
        i += len;
        out.push(sub.toString());
        strings(sub, out);
      } else return out;
    }
  } catch { /* not a message: a plain string */ }
  return out;
}

let echo: Echo;
let server: http2.Http2Server;
let requests: string[][] = [];
let plane: Plane;

before(async () => {
  echo = await startEcho({ name: 'app' });
  server = http2.createServer();
  server.on('stream', (stream, headers) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      const frame = Buffer.concat(chunks);
      const fields = strings(frame.subarray(5));
      requests.push([String(headers[':path']), ...fields]);
      const allowed = fields.includes('Bearer good');
      const message = allowed
        ? Buffer.concat([bytes(1, int(1, 0)), bytes(3, Buffer.concat([header(2, 'x-auth-user', 'alice'), bytes(5, 'x-drop-me')]))])
        : Buffer.concat([bytes(1, int(1, 7)), bytes(2, Buffer.concat([bytes(1, int(1, 401)), header(2, 'www-authenticate', 'Bearer'), bytes(3, 'go away')]))]);
      const out = Buffer.alloc(5 + message.length);
      out.writeUInt32BE(message.length, 1);
      message.copy(out, 5);
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
      stream.end(out);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const authPort = (server.address() as AddressInfo).port;
  const cfg = config({
    listeners: [simpleListener(0, [route('grpc-auth', {
      path: prefix('/'),
      filters: [{ type: 'ExternalAuth', protocol: 'GRPC', cluster: 'authz', allowedRequestHeaders: ['authorization', 'x-drop-me'], allowedResponseHeaders: [], forwardBodyMaxSize: 0 }],
    })])],
    backends: { a: [local(echo.port)], authz: [local(authPort)] },
  });
  cfg.backends.authz.protocol = 'h2c';
  plane = await startPlane([cfg]);
});

after(async () => {
  await plane.close();
  await echo.close();
  await new Promise<void>((r) => server.close(() => r()));
});

test('OK: the backend gets the request with the service\'s headers set and removed', async () => {
  requests = [];
  const res = await request(plane.port, '/orders?id=7', { host: 'shop.example.com', headers: { authorization: 'Bearer good', 'x-drop-me': '1', 'x-private': 'p' } });
  assert.equal(res.status, 200);
  const h = res.json().headers;
  assert.equal(h['x-auth-user'], 'alice');
  assert.equal(h['x-drop-me'], undefined, 'headers_to_remove are removed');
  const [path, ...fields] = requests[0];
  assert.equal(path, '/envoy.service.auth.v3.Authorization/Check');
  for (const want of ['GET', '/orders?id=7', 'shop.example.com', 'authorization', 'Bearer good', 'id=7']) assert.ok(fields.includes(want), `CheckRequest carries ${want}`);
  assert.ok(!fields.includes('x-private'), 'headers outside allowedHeaders are not sent');
});

test('denied: the client gets the denied_response status, headers and body', async () => {
  const before = echo.count();
  const res = await request(plane.port, '/orders', { headers: { authorization: 'Bearer bad' } });
  assert.equal(res.status, 401);
  assert.equal(res.body, 'go away');
  assert.equal(res.headers['www-authenticate'], 'Bearer');
  assert.equal(echo.count(), before);
});

test('CheckRequest and CheckResponse codecs agree with hand-built bytes', () => {
  const encoded = encodeCheckRequest({
    method: 'POST', up: { path: '/p', rawQuery: '', headers: { host: 'h', a: 'b' } }, body: Buffer.from('xyz'), allowed: new Set(), remoteAddress: '10.1.2.3', secure: true,
  });
  const text = strings(encoded);
  for (const want of ['POST', '/p', 'h', 'a', 'b', 'https', 'xyz', '10.1.2.3', ':authority']) assert.ok(text.includes(want), want);
  const denied = decodeCheckResponse(Buffer.concat([bytes(1, int(1, 16)), bytes(2, bytes(3, 'nope'))]));
  assert.equal(denied.allow, false);
  if (!denied.allow) assert.equal(denied.denial.status, 403, 'a denial without an HTTP status answers 403');
  const ok = decodeCheckResponse(Buffer.alloc(0));
  assert.deepEqual(ok, { allow: true, headers: {}, remove: [] });
});
