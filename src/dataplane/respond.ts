// Answers the proxy writes itself. Header names and values can come from route data (filters, redirect hostnames),
// and node:http throws on a bad one (ERR_INVALID_CHAR): that must cost one request a 500, never the process.
import type { ServerResponse } from 'node:http';
import type { HeaderBag, HeaderEdit } from './filters/header-modifier.ts';

export function sendText(
  res: ServerResponse,
  status: number,
  body: string,
  edits: readonly HeaderEdit[],
  extra: Record<string, string> = {},
): void {
  try {
    const headers: HeaderBag = {
      ...extra,
      'content-type': 'text/plain; charset=utf-8',
      'content-length': String(Buffer.byteLength(body)),
    };
    for (const edit of edits) edit(headers);
    res.writeHead(status, headers);
    res.end(body);
  } catch (err) {
    answerInvalidHeaders(res, err);
  }
}

/** After node:http refused the headers a route built: a plain 500 if nothing was sent yet, else cut the connection. */
export function answerInvalidHeaders(res: ServerResponse, err: unknown): void {
  if (res.headersSent) return void res.destroy();
  try {
    for (const name of res.getHeaderNames()) res.removeHeader(name);
    const code = (err as { code?: string }).code ?? 'INVALID_HEADER';
    const body = `the route produced an invalid response header (${code}); check its filters and redirect values`;
    res.writeHead(500, {
      'content-type': 'text/plain; charset=utf-8',
      'content-length': String(Buffer.byteLength(body)),
      'x-portico-error': code,
    });
    res.end(body);
  } catch {
    res.destroy();
  }
}
