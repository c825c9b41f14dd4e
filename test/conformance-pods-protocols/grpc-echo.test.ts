import assert from 'node:assert/strict';
import { once } from 'node:events';
import http2 from 'node:http2';
import tls from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { GRPC_ECHO_SERVICE, startGrpcEcho } from '../../conformance/pods/grpc-echo.ts';
import type { PodServer } from '../../conformance/pods/types.ts';
import { fakePod, freePort, selfSigned, type FakePod, type KeyPair } from './fixtures.ts';
import { decodeEchoResponse } from './protobuf-decode.ts';

const IP = '127.0.10.1';
const EMPTY_ECHO_REQUEST = Buffer.from([0, 0, 0, 0, 0]);

type CallResult = { headers: http2.IncomingHttpHeaders; trailers?: http2.IncomingHttpHeaders; body: Buffer };

/** One unary call as grpc-go sends it (POST, application/grpc, te: trailers, one framed message). */
async function call(session: http2.ClientHttp2Session, path: string, extra: http2.OutgoingHttpHeaders = {}, body = EMPTY_ECHO_REQUEST): Promise<CallResult> {
  const req = session.request({
    ':method': 'POST',
    ':path': path,
    'content-type': 'application/grpc',
    te: 'trailers',
    'user-agent': 'grpc-go/1.81.1',
    ...extra,
  });
  req.end(body);
  const chunks: Buffer[] = [];
  let trailers: http2.IncomingHttpHeaders | undefined;
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('trailers', (t) => (trailers = t));
  const [headers] = (await once(req, 'response')) as [http2.IncomingHttpHeaders];
  await once(req, 'close');
  return { headers, trailers, body: Buffer.concat(chunks) };
}

function unframe(body: Buffer): Buffer {
  assert.equal(body[0], 0, 'uncompressed');
  assert.equal(body.readUInt32BE(1), body.length - 5, 'exactly one message');
  return body.subarray(5);
}

const method = (name: string) => `/${GRPC_ECHO_SERVICE}/${name}`;

describe('grpc echo (echo-basic gRPC mode)', () => {
  let pod: FakePod;
  let server: PodServer;
  let httpPort: number;
  let httpsPort: number;
  let keyPair: KeyPair;
  let plain: http2.ClientHttp2Session;

  before(async () => {
    keyPair = selfSigned('grpc.example.com');
    httpPort = await freePort(IP, 'tcp');
    httpsPort = await freePort(IP, 'tcp');
    pod = fakePod(IP, {
      GRPC_ECHO_SERVER: '1',
      POD_NAME: 'grpc-infra-backend-v1-6d8-abc',
      NAMESPACE: 'gateway-conformance-infra',
      SERVICE_NAME: 'grpc-infra-backend-v1',
      HTTP_PORT: String(httpPort),
      HTTPS_PORT: String(httpsPort),
      TLS_SERVER_CERT: '/etc/secret-volume/crt',
      TLS_SERVER_PRIV_KEY: '/etc/secret-volume/key',
    });
    server = await startGrpcEcho(pod);
    plain = http2.connect(`http://${IP}:${httpPort}`);
  });
  after(async () => {
    plain.close();
    await server.close();
  });

  it('answers Echo over h2c with the method, every metadata pair as grpc-go shows it, the authority and the pod', async () => {
    const res = await call(plain, method('Echo'), {
      ':authority': 'grpc-echo.example.com:8080',
      'x-custom': ['a', 'b'],
      'x-token-bin': Buffer.from([0x68, 0x69]).toString('base64'),
      'grpc-timeout': '5S',
      'grpc-accept-encoding': 'gzip',
    });
    assert.equal(res.headers[':status'], 200);
    assert.equal(res.headers['content-type'], 'application/grpc');
    assert.equal(res.headers.date, undefined, 'grpc-go sends no date header');
    assert.equal(res.trailers?.['grpc-status'], '0');
    assert.equal(res.trailers?.['grpc-message'], '');
    const echo = decodeEchoResponse(unframe(res.body));
    assert.equal(echo.fullyQualifiedMethod, '/gateway_api_conformance.echo_basic.grpcecho.GrpcEcho/Echo');
    assert.equal(echo.authority, 'grpc-echo.example.com:8080');
    assert.deepEqual(echo.context, {
      namespace: 'gateway-conformance-infra',
      ingress: '',
      serviceName: 'grpc-infra-backend-v1',
      pod: 'grpc-infra-backend-v1-6d8-abc',
    });
    assert.equal(echo.tls, undefined);
    assert.deepEqual(echo.headers.sort(), [
      [':authority', 'grpc-echo.example.com:8080'],
      ['content-type', 'application/grpc'],
      ['grpc-accept-encoding', 'gzip'],
      ['user-agent', 'grpc-go/1.81.1'],
      ['x-custom', 'a'],
      ['x-custom', 'b'],
      ['x-token-bin', 'hi'],
    ]);
    assert.ok(pod.logs.includes('Received over plaintext: '));
  });

  it('answers EchoTwo under its own method name', async () => {
    const echo = decodeEchoResponse(unframe((await call(plain, method('EchoTwo'))).body));
    assert.equal(echo.fullyQualifiedMethod, `/${GRPC_ECHO_SERVICE}/EchoTwo`);
  });

  it('answers EchoThree, unknown methods and unknown services (reflection included) with UNIMPLEMENTED, trailers-only', async () => {
    const cases: Array<[string, string]> = [
      [method('EchoThree'), 'method EchoThree not implemented'],
      [method('EchoFour'), `unknown method EchoFour for service ${GRPC_ECHO_SERVICE}`],
      ['/grpc.reflection.v1.ServerReflection/ServerReflectionInfo', 'unknown service grpc.reflection.v1.ServerReflection'],
    ];
    for (const [path, message] of cases) {
      const res = await call(plain, path);
      assert.equal(res.headers[':status'], 200, path);
      assert.equal(res.headers['grpc-status'], '12', path);
      assert.equal(res.headers['grpc-message'], message, path);
      assert.equal(res.trailers, undefined, path);
      assert.equal(res.body.length, 0, path);
    }
  });

  it('rejects what grpc-go rejects: a non-gRPC content type (415), a compressed message without encoding', async () => {
    const json = await call(plain, method('Echo'), { 'content-type': 'application/json' });
    assert.equal(json.headers[':status'], 415);
    assert.equal(json.headers['grpc-status'], '3');
    assert.equal(json.headers['grpc-message'], 'invalid gRPC request content-type "application/json"');
    const compressed = await call(plain, method('Echo'), {}, Buffer.from([1, 0, 0, 0, 0]));
    assert.equal(compressed.headers['grpc-status'], '13');
    const gzip = await call(plain, method('Echo'), { 'grpc-encoding': 'gzip' });
    assert.equal(gzip.headers['grpc-status'], '12');
  });

  it('serves TLS with ALPN h2 once the Secret files are readable, and reports the TLS facts', async () => {
    const connectTls = () =>
      http2.connect(`https://${IP}:${httpsPort}`, { servername: 'grpc.example.com', ca: keyPair.cert });
    const early = connectTls();
    // The server closes the connection during the handshake: the session fails (or just closes) without a stream.
    await new Promise((resolve) => {
      early.once('error', resolve);
      early.once('close', resolve);
    });
    early.destroy();
    assert.ok(pod.logs.some((l) => l.includes('TLS_SERVER_CERT=/etc/secret-volume/crt is not readable')));

    pod.files.set('/etc/secret-volume/crt', keyPair.cert);
    pod.files.set('/etc/secret-volume/key', keyPair.key);
    const session = connectTls();
    try {
      const res = await call(session, method('Echo'));
      assert.equal(res.trailers?.['grpc-status'], '0');
      const echo = decodeEchoResponse(unframe(res.body));
      assert.equal(echo.authority, `grpc.example.com:${httpsPort}`);
      assert.equal(echo.tls?.version, 'TLSv1.3');
      assert.equal(echo.tls?.negotiatedProtocol, 'h2');
      assert.equal(echo.tls?.serverName, 'grpc.example.com');
      assert.match(echo.tls?.cipherSuite ?? '', /^TLS_/);
      assert.deepEqual(echo.tls?.peerCertificates, []);
      assert.ok(pod.logs.includes('Received over TLS: '));
    } finally {
      session.close();
    }

    // grpc-go enforces ALPN: a TLS client that does not negotiate h2 is closed.
    const noAlpn = tls.connect({ port: httpsPort, host: IP, servername: 'grpc.example.com', ca: keyPair.cert });
    noAlpn.on('error', () => {});
    await once(noAlpn, 'close');
    assert.ok(pod.logs.some((l) => l.includes('did not negotiate ALPN h2')), pod.logs.join('\n'));
  });

  it('closes every connection when the pod goes away', async () => {
    const ip = '127.0.10.2';
    const port = await freePort(ip, 'tcp');
    const s = await startGrpcEcho(fakePod(ip, { GRPC_ECHO_SERVER: '1', HTTP_PORT: String(port) }));
    const session = http2.connect(`http://${ip}:${port}`);
    await call(session, method('Echo'));
    const closed = once(session, 'close');
    await s.close();
    await closed;
  });
});
