// Keep-alive HTTP/1.1 connections to one upstream endpoint for the fast path: a socket read and written straight
// through its libuv stream, the one exchange it serves at a time, and two ways to read a response: the simple shape
// nearly every answer has is read here (response-head.ts), anything else by Node's own parser, llhttp. No
// pipelining: an idle connection is reused, otherwise a new one is opened (undici's Pool, which the node:http path
// uses, does the same by default).
import { connect, type Socket } from 'node:net';
import type { UpstreamTimeouts } from '../upstream.ts';
import { unwatch, watch, type Expiring } from './deadlines.ts';
import { readDirect, writeDirect, writeError, type DirectReader, type WriteDone } from './stream-io.ts';
import { createParser, isParseError, restartParser, type LlhttpParser } from './llhttp.ts';
import { simpleResponseHead, type SimpleHead } from './response-head.ts';

/** What a connection reports to the request it serves. */
export type Exchange = {
  /** Status and raw [name, value, …] headers of the final response; returns 1 to skip the body (HEAD). */
  onHead(status: number, raw: string[], keepAlive: boolean): number;
  /** A body chunk; false asks for a pause until resume(). */
  onBody(chunk: Buffer): boolean;
  onComplete(trailers: string[]): void;
  /** `retryable`: nothing came back on a reused connection, so the request most likely never reached the server. */
  onError(err: Error & { code?: string }, retryable: boolean): void;
};

/** Failures carry the codes undici gives for the same event, so both paths answer alike (proxy.ts). */
function failure(code: string, message: string): Error & { code: string } {
  return Object.assign(new Error(message), { code });
}

const MAX_HEADER_SIZE = 16 * 1024 * 4;
const IDLE_MS = 4_000;

export class RawPool {
  readonly #address: string;
  readonly #port: number;
  readonly #timeouts: UpstreamTimeouts;
  readonly #idle: UpstreamConn[] = [];
  #closed = false;

  constructor(address: string, port: number, timeouts: UpstreamTimeouts) {
    this.#address = address;
    this.#port = port;
    this.#timeouts = timeouts;
  }

  /** Sends `head` (a bodyless request) on an idle connection or a new one; results go to `exchange`. */
  send(head: string, exchange: Exchange, skipBody: boolean): UpstreamConn {
    let conn = this.#idle.pop();
    while (conn !== undefined && conn.dead) conn = this.#idle.pop();
    conn ??= new UpstreamConn(this, this.#address, this.#port, this.#timeouts);
    conn.start(head, exchange, skipBody);
    return conn;
  }

  release(conn: UpstreamConn): void {
    if (this.#closed) return conn.destroy();
    this.#idle.push(conn);
  }

  forget(conn: UpstreamConn): void {
    const i = this.#idle.indexOf(conn);
    if (i !== -1) this.#idle.splice(i, 1);
  }

  /** No config lists the endpoint any more: idle connections close now, busy ones once their response is done. */
  close(): void {
    this.#closed = true;
    for (const conn of this.#idle.splice(0)) conn.destroy();
  }
}

export class UpstreamConn {
  readonly #pool: RawPool;
  readonly #socket: Socket;
  readonly #parser: LlhttpParser;
  readonly #timeouts: UpstreamTimeouts;
  #exchange: Exchange | null = null;
  #connected = false;
  #reused = false;
  /** Any byte of the current response seen. */
  #answered = false;
  #headersDone = false;
  #skipBody = false;
  #informational = false;
  #keepAlive = false;
  #trailers: string[] = [];
  /** One deadline per connection: connect, response head, body inactivity, then idle in the pool. */
  readonly #clock: Expiring = { deadline: Infinity, expire: () => this.#expired() };
  #timeoutMs = 0;
  #timeoutCode = '';
  /** A request head waiting for the connection to open. */
  #unsent: string | null = null;
  #reader: DirectReader | null = null;
  /** Who reads the bytes that come next: the start of a response, the rest of a simple one's body, or llhttp. */
  #reading: 'head' | 'body' | 'llhttp' = 'head';
  /** Body bytes of the simple response still to come. */
  #bodyLeft = 0;
  /** Reads stopped because the client could not take more body yet. */
  #paused = false;
  /** llhttp has read a response on this connection: it starts afresh for the next one it reads. */
  #parserUsed = false;
  readonly #written: WriteDone = (status) => {
    if (status < 0) this.#socket.destroy(writeError(status));
  };
  dead = false;

  constructor(pool: RawPool, address: string, port: number, timeouts: UpstreamTimeouts) {
    this.#pool = pool;
    this.#timeouts = timeouts;
    this.#parser = createParser('response', MAX_HEADER_SIZE, {
      onHeaders: (headers) => {
        // Trailers after a chunked body, or a head of more than 32 pairs (then completed in onHeadersComplete).
        for (const h of headers) this.#trailers.push(h);
      },
      onHeadersComplete: (_maj, _min, headers, _method, _url, status, _msg, _upgrade, keepAlive) => {
        const raw = headers ?? this.#trailers.splice(0);
        this.#informational = status < 200;
        if (this.#informational) return 0;
        this.#headersDone = true;
        this.#keepAlive = keepAlive;
        this.#arm(this.#timeouts.bodyMs, 'UND_ERR_BODY_TIMEOUT');
        const skip = this.#exchange?.onHead(status, raw, keepAlive) ?? 1;
        return this.#skipBody ? 1 : skip;
      },
      onBody: (chunk) => {
        if (this.#exchange?.onBody(chunk) === false) this.#pause();
      },
      onMessageBegin: () => {
        // A response after the one asked for ended, in the same read (llhttp reads on): the connection is out of step.
        if (this.#exchange === null) this.destroy();
      },
      onMessageComplete: () => {
        if (this.#informational) {
          this.#informational = false;
          return;
        }
        this.#finish();
      },
    });
    const socket = connect({ host: address, port, noDelay: true });
    this.#socket = socket;
    watch(this.#clock);
    this.#arm(timeouts.connectMs, 'UND_ERR_CONNECT_TIMEOUT');
    socket.once('connect', () => {
      this.#connected = true;
      this.#arm(this.#timeouts.headersMs, 'UND_ERR_HEADERS_TIMEOUT');
      this.#reader = readDirect(socket, (data) => this.#onData(data), (err) => this.#onEnd(err));
      const head = this.#unsent;
      this.#unsent = null;
      if (head !== null) writeDirect(socket, head, this.#written);
    });
    socket.on('error', (err: Error & { code?: string }) => this.#fail(err));
    socket.on('close', () => {
      this.#fail(failure('UND_ERR_SOCKET', 'other side closed'));
      this.dead = true;
      this.#pool.forget(this);
      unwatch(this.#clock);
    });
  }

  start(head: string, exchange: Exchange, skipBody: boolean): void {
    this.#exchange = exchange;
    this.#answered = false;
    this.#headersDone = false;
    this.#skipBody = skipBody;
    this.#trailers = [];
    if (this.#connected) {
      this.#reused = true;
      this.#arm(this.#timeouts.headersMs, 'UND_ERR_HEADERS_TIMEOUT');
      writeDirect(this.#socket, head, this.#written);
    } else {
      this.#unsent = head;
    }
  }

  /** After a pause asked by onBody: the client's socket drained. */
  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    this.#reader?.start();
  }

  #pause(): void {
    this.#paused = true;
    this.#reader?.stop();
  }

  /** The exchange is abandoned (the client left): the connection cannot be reused. */
  abort(): void {
    this.#exchange = null;
    this.destroy();
  }

  destroy(): void {
    this.dead = true;
    this.#clock.deadline = Infinity;
    this.#socket.destroy();
  }

  #onData(data: Buffer): void {
    this.#answered = true;
    // Body inactivity: each read of a response in progress restarts the wait.
    if (this.#headersDone) this.#clock.deadline = performance.now() + this.#timeoutMs;
    if (this.#reading === 'body') return this.#bodyBytes(data);
    if (this.#reading === 'head') {
      // Bytes nobody asked for (an idle connection, or more after a whole response): not to be trusted again.
      if (this.#exchange === null) return this.destroy();
      const head = this.#skipBody ? null : simpleResponseHead(data, MAX_HEADER_SIZE);
      if (head !== null) return this.#simpleResponse(head, data);
      if (this.#parserUsed) restartParser(this.#parser, 'response', MAX_HEADER_SIZE);
      this.#parserUsed = true;
      this.#reading = 'llhttp';
    }
    const r = this.#parser.execute(data);
    if (isParseError(r)) {
      this.#fail(failure('HPE_INVALID', `upstream sent an invalid HTTP response (${r.code})`));
      this.destroy();
    }
  }

  #simpleResponse(head: SimpleHead, data: Buffer): void {
    const exchange = this.#exchange!;
    this.#headersDone = true;
    this.#keepAlive = head.keepAlive;
    this.#arm(this.#timeouts.bodyMs, 'UND_ERR_BODY_TIMEOUT');
    // 1: the exchange wants no body (it answered the client itself); the rest of this response is not read.
    if (exchange.onHead(head.status, head.raw, head.keepAlive) === 1) return this.destroy();
    if (this.#exchange !== exchange) return;
    this.#reading = 'body';
    this.#bodyLeft = head.contentLength;
    if (head.bodyStart < data.length || head.contentLength === 0) this.#bodyBytes(data.subarray(head.bodyStart));
  }

  #bodyBytes(data: Buffer): void {
    const exchange = this.#exchange;
    if (exchange === null) return this.destroy();
    const left = this.#bodyLeft;
    // More than the Content-Length said: the response ends where it said, and the connection is not reused.
    if (data.length > left) this.#keepAlive = false;
    const chunk = data.length > left ? data.subarray(0, left) : data;
    this.#bodyLeft = left - chunk.length;
    if (chunk.length > 0 && !exchange.onBody(chunk)) this.#pause();
    if (this.#bodyLeft === 0 && this.#exchange === exchange) this.#finish();
  }

  /** The upstream closed its side (err null) or the read failed. */
  #onEnd(err: (Error & { code: string }) | null): void {
    if (err !== null) this.#fail(err);
    else if (this.#reading === 'llhttp') {
      // A body that runs to the end of the connection completes here.
      const r = this.#parser.finish();
      if (isParseError(r)) this.#fail(failure('UND_ERR_SOCKET', 'other side closed'));
    }
    this.destroy();
  }

  #finish(): void {
    const exchange = this.#exchange;
    this.#reading = 'head';
    // A second response to one request (llhttp read on past the first): the connection is out of step.
    if (exchange === null) return this.destroy();
    this.#exchange = null;
    const reusable = this.#keepAlive && !this.#skipBody && !this.dead;
    // Back in the pool first: the exchange may start the client's next request right away.
    if (reusable) {
      // The last body bytes may have paused the reads (a slow client): the next exchange must be read all the same.
      this.resume();
      this.#pool.release(this);
      this.#arm(IDLE_MS, '');
    }
    exchange?.onComplete(this.#trailers);
    if (!reusable) this.destroy();
  }

  #fail(err: Error & { code?: string }): void {
    const exchange = this.#exchange;
    if (exchange === null) return;
    this.#exchange = null;
    this.destroy();
    exchange.onError(err, this.#reused && !this.#answered);
  }

  #arm(ms: number, code: string): void {
    this.#timeoutMs = ms;
    this.#timeoutCode = code;
    this.#clock.deadline = performance.now() + ms;
  }

  #expired(): void {
    if (this.#timeoutCode === '') return this.destroy();
    const messages: Record<string, string> = {
      UND_ERR_CONNECT_TIMEOUT: 'connect timeout', UND_ERR_HEADERS_TIMEOUT: 'upstream headers timeout', UND_ERR_BODY_TIMEOUT: 'upstream body timeout',
    };
    this.#fail(failure(this.#timeoutCode, messages[this.#timeoutCode] ?? 'upstream timeout'));
  }
}
