// Forwards one request to one endpoint over its undici pool, streaming both bodies, and maps failures to
// 502 (connection refused/reset), 503 (pool gone) or 504 (upstream too slow).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
import type { HeaderEdit } from './filters/header-modifier.ts';
import type { UpstreamRequest } from './filters/types.ts';
import { dispatchRelay, Relay } from './relay.ts';

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

export function forward(
  req: IncomingMessage,
  res: ServerResponse,
  pool: Dispatcher,
  up: UpstreamRequest,
  responseEdits: readonly HeaderEdit[],
  onFailure: (failure: ProxyFailure) => void,
): void {
  const relay = new Relay(res, responseEdits, (err) => onFailure(classifyUpstreamError(err)));
  try {
    dispatchRelay(pool, {
      method: (req.method ?? 'GET') as Dispatcher.HttpMethod,
      path: up.rawQuery === '' ? up.path : `${up.path}?${up.rawQuery}`,
      headers: up.headers as Record<string, string | string[]>,
      body: hasBody(req) ? req : null,
    }, relay);
  } catch (err) {
    onFailure(classifyUpstreamError(err));
  }
}
