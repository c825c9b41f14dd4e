// gRPC through the data plane on real sockets: a tiny node:http2 backend answers like a gRPC server (grpc-status in
// trailers); the client must get the trailers, the backend must get `te: trailers`, and a call no route takes must
// answer what grpc-go reads as Unimplemented (HTTP 404).
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { after, before, test } from 'node:test';
import type * as ir from '../../src/ir/types.ts';
import { startPlane, type Plane } from './fixture.ts';
import { config, exact, forwardTo, local, route, simpleListener } from './ir-builders.ts';

type Seen = { te: unknown; path: unknown; body: Buffer };
type Answer = { headers: http2.IncomingHttpHeaders; trailers: http2.IncomingHttpHeaders; body: Buffer };

let backend: http2.Http2Server;
let plane: Plane;
const seen: Seen[] = [];

before(async () => {
  backend = http2.createServer();
  backend.on('stream', (stream, headers) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      const body = Buffer.concat(chunks);
      seen.push({ te: headers.te, path: headers[':path'], body });
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      stream.once('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0', 'grpc-message': 'fine' }));
      stream.end(body); // echoes the length-prefixed message
    });
  });
  await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
  const port = (backend.address() as { port: number }).port;
  const cfg = config({
    listeners: [simpleListener(0, [route('echo', { path: exact('/pkg.Echo/Say'), action: forwardTo(['grpc', 1]) })])],
    backends: { grpc: [local(port)] },
  });
  const h2c: ir.BackendCluster = { name: 'grpc', protocol: 'h2c', endpoints: [local(port)], lb: 'RoundRobin' };
  cfg.backends = { grpc: h2c };
  plane = await startPlane([cfg]);
});

after(async () => {
  await plane.close();
  backend.close();
});

function call(session: http2.ClientHttp2Session, path: string, message: Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const stream = session.request({
      ':method': 'POST', ':path': path, ':authority': 'grpc.example', 'content-type': 'application/grpc', te: 'trailers',
    });
    const chunks: Buffer[] = [];
    let headers: http2.IncomingHttpHeaders = {};
    let trailers: http2.IncomingHttpHeaders = {};
    stream.on('response', (h) => (headers = h));
    stream.on('trailers', (t) => (trailers = t));
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve({ headers, trailers, body: Buffer.concat(chunks) }));
    stream.on('error', reject);
    stream.end(message);
  });
}

function connect(port: number): Promise<http2.ClientHttp2Session> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    session.once('connect', () => resolve(session));
    session.once('error', reject);
  });
}

/** A gRPC message: compressed flag, 4-byte length, payload. */
function frame(payload: string): Buffer {
  const data = Buffer.from(payload);
  const head = Buffer.alloc(5);
  head.writeUInt32BE(data.length, 1);
  return Buffer.concat([head, data]);
}

test('a gRPC call reaches the h2c backend with te: trailers, and its grpc-status trailers reach the client', async () => {
  const session = await connect(plane.port);
  try {
    const message = frame('hello');
    const answer = await call(session, '/pkg.Echo/Say', message);
    assert.equal(answer.headers[':status'], 200);
    assert.equal(answer.headers['content-type'], 'application/grpc');
    assert.deepEqual(answer.body, message);
    assert.equal(answer.trailers['grpc-status'], '0');
    assert.equal(answer.trailers['grpc-message'], 'fine');
    const last = seen.at(-1);
    assert.deepEqual([last?.te, last?.path], ['trailers', '/pkg.Echo/Say']);
    assert.deepEqual(last?.body, message);
  } finally {
    session.close();
  }
});

test('a call no route takes gets HTTP 404, which gRPC clients read as Unimplemented', async () => {
  const session = await connect(plane.port);
  try {
    const before = seen.length;
    const answer = await call(session, '/pkg.Echo/Other', frame('x'));
    assert.equal(answer.headers[':status'], 404);
    assert.equal(seen.length, before);
  } finally {
    session.close();
  }
});
