// ExternalAuth (GEP-1494): before a request goes upstream, its authorization service decides. HTTP services get the
// same method and path (under the configured prefix) with host, authorization, content-length and the allowed
// headers; 200 allows, and the answer's headers join the upstream request; any other answer goes to the client as
// the service gave it. gRPC services get envoy.service.auth.v3.Authorization/Check (ext-authz-grpc.ts). Fail closed:
// a service that cannot be reached, errs or is too slow answers 403 (as Envoy's ext_authz does by default).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import type * as ir from '../../ir/types.ts';
import { stripHopByHop } from '../headers.ts';
import { answerInvalidHeaders, sendText } from '../respond.ts';
import type { RuntimeCluster } from '../upstream.ts';
import { grpcCheck } from './ext-authz-grpc.ts';
import type { HeaderBag, HeaderEdit } from './header-modifier.ts';
import type { UpstreamRequest } from './types.ts';

/** The API gives no timeout field; an authorization answer slower than this fails the request closed. */
export const AUTH_TIMEOUT_MS = 10_000;

/**
 * Not copied from an allowing answer onto the upstream request even when no allow-list is set: they describe the
 * auth answer itself (framing, its own body, its origin), and copying them would corrupt the forwarded request.
 */
const ANSWER_ONLY = new Set(['host', 'content-length', 'content-type', 'content-encoding', 'transfer-encoding', 'date', 'server', 'connection', 'keep-alive']);

/** `body`: what to send upstream now (the buffered body when the service saw it, else the client's stream or null). */
export type AuthAllowed = (body: Readable | null) => void;

export type Denial = { status: number; headers: HeaderBag; body: Buffer | Dispatcher.ResponseData['body'] };
export type Decision = { allow: true; headers: HeaderBag; remove: string[] } | { allow: false; denial: Denial };

export type CompiledExternalAuth = {
  check(req: IncomingMessage, res: ServerResponse, up: UpstreamRequest, body: Readable | null, edits: readonly HeaderEdit[], allowed: AuthAllowed): void;
};

export function compileExternalAuth(f: ir.ExternalAuthFilter, clusters: ReadonlyMap<string, RuntimeCluster>): CompiledExternalAuth {
  const cluster = f.cluster === null ? undefined : clusters.get(f.cluster);
  const requestHeaders = new Set(f.allowedRequestHeaders);
  const responseHeaders = new Set(f.allowedResponseHeaders);
  return {
    check(req, res, up, body, edits, allowed) {
      const fail = (status: number, code: string, message: string) => {
        res.setHeader('x-portico-error', code);
        sendText(res, status, message, edits);
      };
      if (cluster === undefined) return fail(500, 'EXT_AUTH_INVALID_REF', 'the route\'s authorization service reference is invalid');
      const ask = (payload: Buffer | null) => {
        const endpoint = cluster.endpoints.next();
        if (endpoint === undefined) return fail(403, 'EXT_AUTH_UNAVAILABLE', 'the authorization service has no usable endpoint; access is denied');
        const signal = AbortSignal.timeout(AUTH_TIMEOUT_MS);
        const method = req.method ?? 'GET';
        const decided = f.protocol === 'GRPC'
          ? grpcCheck(endpoint.pool, signal, { method, up, body: payload, allowed: requestHeaders, remoteAddress: req.socket.remoteAddress ?? '', secure: (req.socket as { encrypted?: boolean }).encrypted === true })
          : httpCheck(endpoint.pool, signal, method, up, payload, f, requestHeaders, responseHeaders);
        decided.then((d) => {
          if (res.destroyed) return;
          if (!d.allow) return deny(res, d.denial, edits);
          for (const name of d.remove) delete up.headers[name];
          Object.assign(up.headers, d.headers);
          allowed(payload === null ? body : Readable.from([payload]));
        }, (err: unknown) => {
          if (res.destroyed) return;
          const timedOut = signal.aborted;
          fail(403, timedOut ? 'EXT_AUTH_TIMEOUT' : 'EXT_AUTH_UNAVAILABLE', timedOut
            ? `the authorization service did not answer within ${AUTH_TIMEOUT_MS} ms; access is denied`
            : `the authorization service could not be asked (${(err as Error).message}); access is denied`);
        }).catch(() => res.destroy());
      };
      if (f.forwardBodyMaxSize === 0 || body === null) return ask(null);
      readUpTo(body, f.forwardBodyMaxSize).then((buf) => {
        if (buf === null) return fail(413, 'EXT_AUTH_BODY_TOO_LARGE', `the request body is larger than the ${f.forwardBodyMaxSize} bytes the route's authorization check accepts`);
        ask(buf);
      }, () => res.destroy());
    },
  };
}

async function httpCheck(
  pool: Dispatcher, signal: AbortSignal, method: string, up: UpstreamRequest, payload: Buffer | null, f: ir.ExternalAuthFilter,
  requestHeaders: ReadonlySet<string>, responseHeaders: ReadonlySet<string>,
): Promise<Decision> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(up.headers)) {
    if (name === 'host' || name === 'authorization' || requestHeaders.has(name)) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  headers['content-length'] = String(payload?.length ?? 0);
  const query = up.rawQuery === '' ? '' : `?${up.rawQuery}`;
  const answer = await pool.request({
    // undici leaves out `content-length: 0` on methods without a payload (GET, HEAD): no header means no body there.
    method: method as Dispatcher.HttpMethod, path: `${f.pathPrefix ?? ''}${up.path}${query}`, headers, body: payload, signal,
  });
  if (answer.statusCode !== 200) {
    return { allow: false, denial: { status: answer.statusCode, headers: stripHopByHop(answer.headers), body: answer.body } };
  }
  await answer.body.dump();
  const copied: HeaderBag = {};
  for (const [name, value] of Object.entries(answer.headers)) {
    if (value === undefined) continue;
    if (responseHeaders.size > 0 ? responseHeaders.has(name) : !ANSWER_ONLY.has(name)) copied[name] = value;
  }
  return { allow: true, headers: copied, remove: [] };
}

function deny(res: ServerResponse, d: Denial, edits: readonly HeaderEdit[]): void {
  try {
    const headers = { ...d.headers };
    for (const edit of edits) edit(headers);
    res.writeHead(d.status, headers);
  } catch (err) {
    if (!Buffer.isBuffer(d.body)) d.body.on('error', () => {}).destroy();
    return answerInvalidHeaders(res, err);
  }
  if (Buffer.isBuffer(d.body)) return void res.end(d.body);
  d.body.once('error', () => res.destroy());
  d.body.pipe(res);
}

/** The whole body, or null as soon as it is longer than `max` bytes. */
function readUpTo(body: Readable, max: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (c: Buffer) => {
      size += c.length;
      if (size > max) {
        body.off('data', onData);
        body.pause();
        resolve(null);
      } else chunks.push(c);
    };
    body.on('data', onData);
    body.once('end', () => resolve(Buffer.concat(chunks)));
    body.once('error', reject);
  });
}
