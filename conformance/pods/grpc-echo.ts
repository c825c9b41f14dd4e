// echo-basic in gRPC mode (GRPC_ECHO_SERVER set), played on one pod's IP: the GrpcEcho service in plaintext HTTP/2
// (prior knowledge) on HTTP_PORT and over TLS (ALPN h2) on HTTPS_PORT. Echo and EchoTwo answer what the server saw
// (method, metadata, authority, pod context, TLS facts); EchoThree and everything else are UNIMPLEMENTED.
// Server reflection, which the real server registers, is not played: no conformance test calls it.

import http2 from 'node:http2';
import net from 'node:net';
import type tls from 'node:tls';
import { envPort, grpcTlsVersionName } from './go-formats.ts';
import {
  contentSubtype,
  encodeGrpcMessage,
  firstMessage,
  frameMessage,
  GrpcError,
  incomingMetadata,
  responseContentType,
  STATUS,
} from './grpc-wire.ts';
import { listenTcp } from './listening.ts';
import { ProtoWriter } from './protobuf.ts';
import { alpnOf, keyPairFromEnv, serverNameOf, TLS_MIN_VERSION, type KeyPair, type KeyPairSource } from './tls-material.ts';
import type { Pod, PodServer } from './types.ts';

export const GRPC_ECHO_SERVICE = 'gateway_api_conformance.echo_basic.grpcecho.GrpcEcho';
const ECHO_METHODS = new Set(['Echo', 'EchoTwo']);
const ALL_METHODS = new Set(['Echo', 'EchoTwo', 'EchoThree']);

type TlsFacts = { version: string; negotiatedProtocol: string; serverName: string; cipherSuite: string };

function tlsFactsOf(socket: tls.TLSSocket): TlsFacts {
  return {
    version: grpcTlsVersionName(socket.getProtocol()),
    negotiatedProtocol: alpnOf(socket),
    serverName: serverNameOf(socket),
    cipherSuite: socket.getCipher()?.standardName ?? '',
  };
}

/** EchoResponse{assertions: Assertions{…}}; peer_certificates stay empty: the real server asks for no client cert. */
function echoResponse(pod: Pod, method: string, metadata: Array<[string, string]>, tlsFacts?: TlsFacts): Buffer {
  const assertions = new ProtoWriter().string(1, `/${GRPC_ECHO_SERVICE}/${method}`);
  for (const [key, value] of metadata) assertions.message(2, new ProtoWriter().string(1, key).string(2, value));
  assertions.string(3, metadata.find(([k]) => k === ':authority')?.[1] ?? '');
  assertions.message(
    4,
    new ProtoWriter()
      .string(1, pod.env.NAMESPACE ?? '')
      .string(2, pod.env.INGRESS_NAME ?? '')
      .string(3, pod.env.SERVICE_NAME ?? '')
      .string(4, pod.env.POD_NAME ?? ''),
  );
  if (tlsFacts) {
    assertions.message(
      5,
      new ProtoWriter()
        .string(1, tlsFacts.version)
        .string(2, tlsFacts.negotiatedProtocol)
        .string(3, tlsFacts.serverName)
        .string(4, tlsFacts.cipherSuite),
    );
  }
  return new ProtoWriter().message(1, assertions).finish();
}

/** A trailers-only answer (one HEADERS frame ending the stream), as grpc-go sends every error. */
function respondStatus(stream: http2.ServerHttp2Stream, subtype: string, code: number, message: string, httpStatus = 200): void {
  if (stream.destroyed || stream.headersSent) return;
  stream.respond(
    {
      ':status': httpStatus,
      'content-type': responseContentType(subtype),
      'grpc-status': String(code),
      'grpc-message': encodeGrpcMessage(message),
    },
    responseOptions({ endStream: true }),
  );
}

/** grpc-go sends no `date` header; Node's respond() adds one unless told not to (an option its types omit). */
function responseOptions(options: http2.ServerStreamResponseOptions): http2.ServerStreamResponseOptions {
  return { ...options, sendDate: false } as http2.ServerStreamResponseOptions;
}

function readBody(stream: http2.ServerHttp2Stream): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.once('end', () => resolve(Buffer.concat(chunks)));
    stream.once('close', () => resolve(Buffer.concat(chunks)));
  });
}

async function handleCall(
  pod: Pod,
  stream: http2.ServerHttp2Stream,
  headers: http2.IncomingHttpHeaders,
  rawHeaders: string[],
  tlsFacts: TlsFacts | undefined,
): Promise<void> {
  const contentType = headers['content-type'];
  const subtype = contentSubtype(contentType);
  if (subtype === undefined) {
    const shown = JSON.stringify(contentType ?? '');
    return respondStatus(stream, '', STATUS.INVALID_ARGUMENT, `invalid gRPC request content-type ${shown}`, 415);
  }
  const method = headers[':method'];
  if (method !== 'POST') {
    const message = `Received a HEADERS frame with :method ${JSON.stringify(method ?? '')} which should be POST`;
    return respondStatus(stream, subtype, STATUS.INTERNAL, message, 405);
  }
  const path = headers[':path'] ?? '';
  const slash = path.lastIndexOf('/');
  if (!path.startsWith('/') || slash <= 0) {
    return respondStatus(stream, subtype, STATUS.UNIMPLEMENTED, `malformed method name: ${JSON.stringify(path)}`);
  }
  const service = path.slice(1, slash);
  const name = path.slice(slash + 1);
  if (service !== GRPC_ECHO_SERVICE || !ALL_METHODS.has(name)) {
    const message =
      service === GRPC_ECHO_SERVICE ? `unknown method ${name} for service ${service}` : `unknown service ${service}`;
    return respondStatus(stream, subtype, STATUS.UNIMPLEMENTED, message);
  }
  const encoding = headers['grpc-encoding'];
  if (typeof encoding === 'string' && encoding !== '' && encoding !== 'identity') {
    const message = `grpc: Decompressor is not installed for grpc-encoding ${JSON.stringify(encoding)}`;
    return respondStatus(stream, subtype, STATUS.UNIMPLEMENTED, message);
  }
  const body = await readBody(stream);
  try {
    firstMessage(body); // EchoRequest has no fields: only its framing matters
  } catch (err) {
    if (!(err instanceof GrpcError)) throw err;
    return respondStatus(stream, subtype, err.code, err.message);
  }
  pod.log(`Received over ${tlsFacts ? 'TLS' : 'plaintext'}: `);
  if (!ECHO_METHODS.has(name)) {
    return respondStatus(stream, subtype, STATUS.UNIMPLEMENTED, `method ${name} not implemented`);
  }
  if (stream.destroyed) return;
  const reply = frameMessage(echoResponse(pod, name, incomingMetadata(rawHeaders), tlsFacts));
  stream.respond({ ':status': 200, 'content-type': responseContentType(subtype) }, responseOptions({ waitForTrailers: true }));
  stream.once('wantTrailers', () => stream.sendTrailers({ 'grpc-status': String(STATUS.OK), 'grpc-message': '' }));
  stream.end(reply);
}

function onStream(pod: Pod, encrypted: boolean) {
  return (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders, _flags: number, rawHeaders: string[]) => {
    stream.on('error', () => stream.destroy()); // a client reset must not take the process down
    const socket = encrypted ? (stream.session?.socket as tls.TLSSocket | undefined) : undefined;
    const tlsFacts = socket ? tlsFactsOf(socket) : undefined;
    handleCall(pod, stream, headers, rawHeaders, tlsFacts).catch((err: Error) => {
      pod.log(`grpc echo: ${err.message}`);
      respondStatus(stream, '', STATUS.INTERNAL, err.message);
    });
  };
}

/**
 * The TLS port: a plain TCP listener hands each connection to a (never listening) HTTP/2 secure server, after
 * giving that server the key pair read from the pod's files at this moment. Emitting the connection is
 * synchronous, so the TLS socket it creates takes exactly the context just set.
 */
function tlsAcceptor(pod: Pod, keyPair: KeyPairSource): net.Server {
  const h2 = http2.createSecureServer({ ALPNProtocols: ['h2'], minVersion: TLS_MIN_VERSION });
  h2.on('stream', onStream(pod, true));
  h2.on('sessionError', (err) => pod.log(`grpc echo (tls): HTTP/2 session error: ${err.message}`));
  h2.on('tlsClientError', (err) => pod.log(`grpc echo (tls): TLS handshake failed: ${err.message}`));
  // grpc-go enforces ALPN: a TLS client that did not negotiate h2 is dropped.
  h2.on('unknownProtocol', (socket: tls.TLSSocket) => {
    pod.log('grpc echo (tls): closing a connection that did not negotiate ALPN h2');
    socket.destroy();
  });
  let applied: KeyPair | undefined;
  return net.createServer((raw) => {
    const pair = keyPair.current();
    if (pair instanceof Error) {
      pod.log(`grpc echo (tls): ${pair.message}`);
      raw.destroy();
      return;
    }
    if (pair !== applied) {
      h2.setSecureContext({ cert: pair.cert, key: pair.key, minVersion: TLS_MIN_VERSION });
      applied = pair;
    }
    h2.emit('connection', raw);
  });
}

export async function startGrpcEcho(pod: Pod): Promise<PodServer> {
  const httpPort = envPort(pod, 'HTTP_PORT', 3000);
  const httpsPort = envPort(pod, 'HTTPS_PORT', 8443);
  const keyPair = keyPairFromEnv(pod, 'TLS_SERVER_CERT', 'TLS_SERVER_PRIV_KEY');
  const closers: Array<() => Promise<void>> = [];
  const closeAll = () => Promise.all(closers.map((close) => close())).then(() => undefined);
  try {
    const plaintext = http2.createServer();
    plaintext.on('stream', onStream(pod, false));
    plaintext.on('sessionError', (err) => pod.log(`grpc echo: HTTP/2 session error: ${err.message}`));
    closers.push(await listenTcp(pod, 'grpc echo (plaintext)', plaintext, httpPort));
    pod.log(`plaintext server listening at ${pod.ip}:${httpPort}`);
    if (keyPair) {
      closers.push(await listenTcp(pod, 'grpc echo (tls)', tlsAcceptor(pod, keyPair), httpsPort));
      pod.log(`secure server listening at ${pod.ip}:${httpsPort}`);
    }
  } catch (err) {
    await closeAll();
    throw err;
  }
  return { close: closeAll };
}
