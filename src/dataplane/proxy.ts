// Forwards one request to one endpoint over its undici pool, streaming both bodies, and maps failures to
// 502 (connection refused/reset), 503 (pool gone) or 504 (upstream too slow).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
import type { HeaderEdit } from './filters/header-modifier.ts';
import type { UpstreamRequest } from './filters/types.ts';
import { stripHopByHop } from './headers.ts';
import { answerInvalidHeaders } from './respond.ts';
import { relayTrailers } from './trailers.ts';

export type ProxyFailure = { status: number; code: string; message: string };

const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'ETIMEDOUT']);
const GONE_CODES = new Set(['UND_ERR_CLOSED', 'UND_ERR_DESTROYED']);

export function classifyUpstreamError(err: unknown): ProxyFailure {
  const e = err as { code?: string; cause?: { code?: string }; message?: string };
  const code = e.code === 'UND_ERR_SOCKET' && e.cause?.code ? e.cause.code : (e.code ?? 'UNKNOWN');
  if (TIMEOUT_CODES.has(code)) return { status: 504, code, message: 'upstream did not answer in time' };
  if (GONE_CODES.has(code)) return { status: 503, code, message: 'upstream endpoint was removed' };
  return { status: 502, code, message: `upstream connection failed: ${e.message ?? code}` };
}

function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/** undici's body emits RequestAbortedError when destroyed unread: without a listener that would end the process. */
function discard(body: Dispatcher.ResponseData['body']): void {
  body.on('error', () => {});
  body.destroy();
}

/**
 * Streams the upstream body to the client. Plain `pipe` rather than `stream.pipeline`: pipeline builds and aborts an
 * AbortController on every completion, which costs ~40 µs of CPU per request (it builds a DOMException with a stack).
 */
function relay(body: Dispatcher.ResponseData['body'], res: ServerResponse): void {
  body.once('error', () => res.destroy());
  res.once('close', () => {
    if (!body.readableEnded) discard(body);
  });
  body.pipe(res);
}

export function forward(
  req: IncomingMessage,
  res: ServerResponse,
  pool: Dispatcher,
  up: UpstreamRequest,
  responseEdits: readonly HeaderEdit[],
  onFailure: (failure: ProxyFailure) => void,
): void {
  const abort = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) abort.abort();
  });
  let pending: Promise<Dispatcher.ResponseData>;
  try {
    pending = pool.request({
      method: (req.method ?? 'GET') as Dispatcher.HttpMethod,
      path: up.rawQuery === '' ? up.path : `${up.path}?${up.rawQuery}`,
      headers: up.headers,
      body: hasBody(req) ? req : null,
      signal: abort.signal,
    });
  } catch (err) {
    return onFailure(classifyUpstreamError(err));
  }
  pending
    .then(
      ({ statusCode, headers: upstream, body, trailers }) => {
        if (res.destroyed) return discard(body);
        try {
          const out = stripHopByHop(upstream);
          for (const edit of responseEdits) edit(out);
          res.writeHead(statusCode, out);
        } catch (err) {
          // A response filter wrote a header node:http refuses: this request gets a 500, the process lives on.
          discard(body);
          return answerInvalidHeaders(res, err);
        }
        relayTrailers(body, trailers, res);
        relay(body, res);
      },
      (err: unknown) => {
        if (abort.signal.aborted) return;
        onFailure(classifyUpstreamError(err));
      },
    )
    // Last line of defence: an exception here would be an unhandled rejection, which ends the process.
    .catch(() => res.destroy());
}
