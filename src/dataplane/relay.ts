// The upstream's answer written straight into the client's response, as an undici dispatch handler. Cheaper than
// `pool.request()` + `body.pipe(res)` (a promise, a Readable body, pipe's listeners, per request): on a 1-route
// keep-alive benchmark that machinery was about a third of Portico's CPU per request.
import type { ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
import { parseHeaders } from './undici-parts.ts';
import type { HeaderEdit } from './filters/header-modifier.ts';
import { stripHopByHop } from './headers.ts';
import { answerInvalidHeaders } from './respond.ts';

export type RelayFailure = (err: unknown) => void;

type RawHeaders = Buffer[] | string[] | null;

const CLIENT_GONE = Object.assign(new Error('the client closed the connection before the response finished'), { code: 'PORTICO_CLIENT_GONE' });

/**
 * One request's handler (undici's callback-style DispatchHandler, which every dispatcher here speaks, h2c included).
 * Backpressure: onData returns false while the client's socket is full and resumes on its 'drain'.
 */
export class Relay {
  readonly #res: ServerResponse;
  readonly #edits: readonly HeaderEdit[];
  readonly #onError: RelayFailure;
  #abort: ((err: Error) => void) | null = null;
  #resume: (() => void) | null = null;
  #finished = false;
  #clientGone = false;

  constructor(res: ServerResponse, edits: readonly HeaderEdit[], onError: RelayFailure) {
    this.#res = res;
    this.#edits = edits;
    this.#onError = onError;
    res.once('close', () => {
      if (this.#finished || res.writableFinished) return;
      this.#clientGone = true;
      this.#abort?.(CLIENT_GONE);
    });
  }

  onConnect(abort: (err: Error) => void): void {
    this.#abort = abort;
    if (this.#clientGone) abort(CLIENT_GONE);
  }

  onHeaders(statusCode: number, rawHeaders: RawHeaders, resume: () => void): boolean {
    if (statusCode < 200) return true; // 1xx: informational, the final answer follows
    const res = this.#res;
    if (res.destroyed) {
      this.#abort?.(CLIENT_GONE);
      return false;
    }
    try {
      const out = stripHopByHop(parseHeaders(rawHeaders ?? []) as Record<string, string | string[] | undefined>);
      for (const edit of this.#edits) edit(out);
      res.writeHead(statusCode, out);
    } catch (err) {
      // A response filter wrote a header node:http refuses: this request gets a 500, the process lives on.
      this.#finished = true;
      this.#abort?.(CLIENT_GONE);
      answerInvalidHeaders(res, err);
      return false;
    }
    this.#resume = resume;
    return true;
  }

  onData(chunk: Buffer): boolean {
    const res = this.#res;
    if (res.destroyed) return false;
    if (res.write(chunk)) return true;
    res.once('drain', this.#resume!);
    return false;
  }

  onComplete(rawTrailers: RawHeaders): void {
    this.#finished = true;
    const res = this.#res;
    if (res.destroyed) return;
    if (rawTrailers && rawTrailers.length > 0) addTrailers(res, parseHeaders(rawTrailers) as Record<string, string | string[] | undefined>);
    res.end();
  }

  onError(err: Error): void {
    if (this.#clientGone || this.#finished) return;
    this.#finished = true;
    if (this.#res.headersSent) this.#res.destroy();
    else this.#onError(err);
  }

  /** undici calls it when the request was sent; nothing to do. */
  onBodySent(): void {}
}

/**
 * gRPC's grpc-status and grpc-message: HTTP/2 clients get them as a trailing HEADERS frame; node:http sends them to
 * HTTP/1.1 clients only on a chunked response, and drops them otherwise.
 */
function addTrailers(res: ServerResponse, trailers: Record<string, string | string[] | undefined>): void {
  const out: Record<string, string | string[]> = {};
  let any = false;
  for (const name in trailers) {
    const value = trailers[name];
    if (value === undefined || name.charCodeAt(0) === 58 /* : */) continue;
    out[name] = value;
    any = true;
  }
  if (!any) return;
  try {
    res.addTrailers(out);
  } catch {
    // A trailer node:http refuses (invalid characters) is left out; the body already went through.
  }
}

export function dispatchRelay(pool: Dispatcher, options: Dispatcher.DispatchOptions, relay: Relay): void {
  pool.dispatch(options, relay as unknown as Dispatcher.DispatchHandler);
}
