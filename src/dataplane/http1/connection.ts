// The HTTP/1.1 fast path for one plain-HTTP connection, reading straight from the socket's stream. A request head
// of the usual shape is read here (request-head.ts), anything else by Node's own parser, llhttp; a plain
// request (HTTP/1.1, no body, origin-form target, one Host, a Forward route without policies to an HTTP/1.1
// endpoint) goes upstream as bytes, and the answer comes back as bytes, with no IncomingMessage, ServerResponse or
// undici objects per request. Anything else (a body, an upgrade, Expect, a 404, a redirect, a route with retries,
// mirrors or auth, a pipelined request…) hands the connection to node:http for good, replaying the bytes of that
// request exactly as they came, so the node:http path stays the reference for everything unusual.
import type { Socket } from 'node:net';
import type { HandlerContext, Snapshot } from '../handler.ts';
import type { Metrics, Series } from '../metrics.ts';
import type { CompiledRoute } from '../router.ts';
import type { RuntimeCluster } from '../upstream.ts';
import { dropHopByHop, upstreamHeaders } from '../headers.ts';
import { hostWithoutPort } from '../hosts.ts';
import { classifyUpstreamError } from '../proxy.ts';
import { normalizeTarget } from '../request-target.ts';
import type { HeaderEdit, HeaderBag } from '../filters/header-modifier.ts';
import { unwatch, watch, type Expiring } from './deadlines.ts';
import { readDirect, writeDirect, type DirectReader, type WriteDone } from './stream-io.ts';
import { createParser, isParseError, METHODS, restartParser, type LlhttpParser, type ParseError } from './llhttp.ts';
import { simpleRequestHead } from './request-head.ts';
import type { Exchange, RawPool, UpstreamConn } from './upstream-conn.ts';
import { headerObject, responseHead, responseHeaders, upstreamHead, type ResponseHead } from './wire.ts';

export type FastPathHost = {
  snapshot(): Snapshot;
  ctx: HandlerContext;
  limits: { headersTimeoutMs: number; keepAliveTimeoutMs: number; maxHeaderSize: number };
  draining(): boolean;
  /** Gives the socket, with `replay` unshifted in front of what is still unread, to node:http. */
  handOver(socket: Socket, replay: Buffer): void;
  done(conn: FastConnection): void;
};

/** Process-wide counts: requests the fast path served, connections it handed to node:http (tests, diagnostics). */
export const fastPathStats = { requests: 0, handedOver: 0 };

const CLIENT_CLOSED = 499;
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);
/** What node:http writes when its parser refuses a request (_http_server.js socketOnError). */
const PARSE_ERROR_ANSWERS: Record<string, string> = {
  HPE_HEADER_OVERFLOW: 'HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\n\r\n',
  HPE_CHUNK_EXTENSIONS_OVERFLOW: 'HTTP/1.1 413 Payload Too Large\r\nConnection: close\r\n\r\n',
};
const BAD_REQUEST = 'HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n';
const REQUEST_TIMEOUT = 'HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n';

type Pending = {
  series: Series;
  method: string;
  path: string;
  host: string;
  gateway: string;
  listener: string;
  route: string;
  backend: string;
  started: number;
  keepAlive: boolean;
  edits: readonly HeaderEdit[];
  head: string;
  pool: RawPool;
  upstream: UpstreamConn | null;
  retried: boolean;
  /** Response head not yet written: it goes out with the first body bytes, in one write. */
  outHead: string | null;
  chunked: boolean;
  status: number;
  sent: boolean;
  done: boolean;
};

export class FastConnection {
  readonly #socket: Socket;
  readonly #host: FastPathHost;
  readonly #parser: LlhttpParser;
  readonly #remote: string | undefined;
  #current: Pending | null = null;
  /** More than 32 header pairs arrive in pieces before the head completes. */
  #rawPart: string[] = [];
  #urlPart = '';
  /** The bytes of a head still incomplete, read by earlier reads. */
  #headParts: Buffer[] = [];
  #partialBytes = 0;
  /** Set by a head that completed during the current execute: who serves it. */
  #completed: 'fast' | 'node' | null = null;
  /** The fast request of that head, sent once it is known that no other byte came with it. */
  #prepared: Pending | null = null;
  /** For node:http, once the request in flight is done: every byte from the start of its first request on. */
  #stash: Buffer | null = null;
  #reader: DirectReader | null = null;
  #closed = false;
  #closeAfter = false;
  /** Headers deadline while a head is awaited, keep-alive deadline while idle, none while a request runs. */
  readonly #clock: Expiring = { deadline: Infinity, expire: () => this.#expired() };
  #timerKind: 'headers' | 'idle' | null = null;
  /** Part of a request head has arrived and the rest has not. */
  #partial = false;
  readonly #onClose = () => this.#clientClosed();
  /** Writes libuv queued and has not finished: while any are, the upstream's body waits. */
  #queuedWrites = 0;
  readonly #written: WriteDone = (status) => {
    this.#queuedWrites--;
    if (status < 0) return void this.#socket.destroy();
    if (this.#queuedWrites === 0) this.#current?.upstream?.resume();
  };
  readonly #onError = () => this.#socket.destroy();

  constructor(socket: Socket, host: FastPathHost) {
    this.#socket = socket;
    this.#host = host;
    this.#remote = socket.remoteAddress;
    this.#parser = createParser('request', host.limits.maxHeaderSize, {
      onHeaders: (headers, url) => {
        for (const h of headers) this.#rawPart.push(h);
        this.#urlPart += url;
      },
      onHeadersComplete: (major, minor, headers, method, url, _s, _m, upgrade, keepAlive) => {
        const raw = headers ?? this.#rawPart.splice(0);
        const target = url ?? this.#urlPart;
        this.#urlPart = '';
        this.#partial = false;
        this.#clearTimer();
        this.#prepared = this.#current === null && headers !== undefined && !upgrade && major === 1 && minor === 1
          ? this.#prepare(METHODS[method] ?? '', target, raw, keepAlive) : null;
        this.#completed = this.#prepared !== null ? 'fast' : 'node';
        // Always stop at the end of the head, as for an upgrade: execute() then says where the head ended, and
        // nothing after it (a body, the next request) is parsed before we choose who reads it. A request for
        // node:http is replayed from its original bytes, so node:http sees exactly what the client sent: the parser
        // checks some framing (e.g. Transfer-Encoding) only after the head, and the values it hands over are trimmed.
        return 2;
      },
      onBody: () => {},
      onMessageComplete: () => {},
    });
    socket.on('close', this.#onClose);
    socket.on('error', this.#onError);
  }

  /** `head`: bytes already read while telling HTTP/1.1 from HTTP/2. */
  begin(head: Buffer): void {
    watch(this.#clock);
    this.#arm('headers');
    this.#reader = readDirect(this.#socket, (data) => this.#onData(data), (err) => {
      if (err === null) this.#clientEnded();
      else this.#socket.destroy();
    });
    if (this.#reader !== null && head.length > 0) this.#onData(head);
  }

  #onData(data: Buffer): void {
    if (this.#current === null && !this.#partial && this.#stash === null) {
      const simple = simpleRequestHead(data, this.#host.limits.maxHeaderSize);
      if (simple !== null) {
        this.#clearTimer();
        const p = this.#prepare(simple.method, simple.target, simple.raw, simple.keepAlive);
        if (p !== null) return this.#send(p);
        // Not the fast path's to serve (no route, a redirect…): node:http gets it as it came, and parses it itself.
        return this.#forNode(data);
      }
    }
    this.#afterExecute(this.#parser.execute(data), data);
  }

  /** Draining: an idle connection closes now, a busy one after its response. */
  closeSoon(): void {
    if (this.#current === null) this.#socket.destroy();
    else this.#closeAfter = true;
  }

  destroy(): void {
    this.#socket.destroy();
  }

  /**
   * After the parser went through the read `segment` and stopped at `r`.
   * True when the parser is done with this socket (error or hand-over).
   */
  #afterExecute(r: number | ParseError, segment: Buffer): boolean {
    if (isParseError(r)) {
      this.#parseFailed(r);
      return true;
    }
    let completed = this.#completed;
    this.#completed = null;
    const readLength = segment.length;
    if (completed === 'fast') {
      const p = this.#prepared!;
      this.#prepared = null;
      // More bytes came with the head (pipelining, or garbage after it): node:http parses them all at once, so
      // its answer to what follows can come before this request's; node:http then serves the whole read.
      if (r === readLength) {
        if (this.#headParts.length > 0) {
          this.#headParts = [];
          this.#partialBytes = 0;
        }
        restartParser(this.#parser, 'request', this.#host.limits.maxHeaderSize);
        this.#send(p);
        return false;
      }
      completed = 'node';
    }
    if (completed === null) {
      // All of it belongs to a head that is not complete yet.
      if (r > 0) {
        this.#headParts.push(segment);
        this.#partialBytes += segment.length;
        // llhttp skips any number of CRLFs before a request line, and the bytes are kept for a replay: bounded here
        // as a head is, far above what any real head takes.
        if (this.#partialBytes > 2 * this.#host.limits.maxHeaderSize) {
          this.#parseFailed(Object.assign(new Error('head too large'), { code: 'HPE_HEADER_OVERFLOW', bytesParsed: 0 }));
          return true;
        }
        this.#partial = true;
        // Bytes of a new head while idle: the keep-alive wait is over, the headers deadline starts.
        if (this.#timerKind === 'idle') this.#arm('headers');
      }
      return false;
    }
    this.#forNode(this.#headParts.length === 0 ? segment : Buffer.concat([...this.#headParts, segment]));
    return true;
  }

  /** From `bytes` on, the connection is node:http's: now, or once the request in flight is done. Nothing more is read. */
  #forNode(bytes: Buffer): void {
    this.#stash = bytes;
    this.#headParts = [];
    this.#partialBytes = 0;
    this.#reader?.stop();
    if (this.#current === null) this.#handOver();
  }

  #prepare(method: string, url: string, raw: string[], keepAlive: boolean): Pending | null {
    if (url.charCodeAt(0) !== 47 /* / */) return null;
    let hosts = 0;
    for (let i = 0; i < raw.length; i += 2) if (raw[i].length === 4 && raw[i].toLowerCase() === 'host') hosts++;
    if (hosts !== 1) return null;
    const headers = headerObject(raw);
    if (headers['content-length'] !== undefined || headers['transfer-encoding'] !== undefined || headers.expect !== undefined || headers.upgrade !== undefined) return null;
    const target = normalizeTarget(url);
    if (target === null) return null;
    const snap = this.#host.snapshot();
    const hostHeader = headers.host as string;
    const host = hostWithoutPort(hostHeader);
    const selection = snap.router.selectView(host, { method, path: target.path, rawQuery: target.rawQuery, headers });
    if (selection === null) return null;
    const route = selection.route;
    if (route.policy !== null || route.route.action.type !== 'Forward') return null;
    const cluster = route.backends?.pick();
    if (cluster === undefined || cluster === null) return null;
    // Raw pools are per cluster (plain HTTP/1.1 or not): decline before next(), which would skip an endpoint for the
    // node:http path that serves the request instead.
    if (cluster.endpoints.items[0]?.raw === undefined) return null;
    const endpoint = cluster.endpoints.next();
    if (endpoint === undefined || endpoint.raw === undefined) return null;
    let head: string | null;
    try {
      const up = { path: target.path, rawQuery: target.rawQuery, headers: upstreamHeaders({ headers, host: hostHeader, remoteAddress: this.#remote }, 'http') };
      const edits = route.filters.request;
      // Without request filters nothing can put a hop-by-hop header back, nor a name or value the parser did not check.
      if (edits.length > 0) {
        for (const edit of edits) edit(up);
        dropHopByHop(up.headers);
      }
      head = upstreamHead(method, up.rawQuery === '' ? up.path : `${up.path}?${up.rawQuery}`, up.headers, edits.length === 0);
    } catch {
      head = null; // a filter threw on route data: node:http answers it
    }
    if (head === null) return null;
    const p: Pending = {
      series: seriesOf(this.#host.ctx.metrics, snap.gateway, selection.listener, route, cluster),
      method, path: url, host, gateway: snap.gateway, listener: selection.listener, route: route.name, backend: cluster.name,
      started: 0, keepAlive: keepAlive && !this.#host.draining(), edits: route.filters.response, head,
      pool: endpoint.raw, upstream: null, retried: false, outHead: null, chunked: false, status: 0, sent: false, done: false,
    };
    return p;
  }

  #send(p: Pending): void {
    fastPathStats.requests++;
    p.started = performance.now();
    this.#current = p;
    p.upstream = p.pool.send(p.head, this.#exchange(p), p.method === 'HEAD');
  }

  #exchange(p: Pending): Exchange {
    return {
      onHead: (status, raw) => {
        if (p.done) return 1;
        const hasBody = p.method !== 'HEAD' && status !== 204 && status !== 304;
        let rh: ResponseHead | null = null;
        try {
          const out = responseHeaders(raw);
          for (const edit of p.edits) edit(out);
          rh = this.#head(p, status, out, hasBody, p.edits.length === 0);
        } catch {
          // a response filter threw on route data: rh stays null and the answer is a 500, as on the node:http path
        }
        if (rh === null) {
          this.#answerInvalid(p);
          return 1;
        }
        p.status = status;
        p.outHead = rh.head;
        p.chunked = rh.chunked;
        return 0;
      },
      onBody: (chunk) => {
        if (p.done || chunk.length === 0) return true;
        const framed = p.chunked ? [Buffer.from(`${chunk.length.toString(16)}\r\n`, 'latin1'), chunk, CRLF] : [chunk];
        return this.#write(p, framed);
      },
      onComplete: (trailers) => {
        if (p.done) return;
        if (p.chunked) this.#write(p, [Buffer.from(`0\r\n${trailerLines(trailers)}\r\n`, 'latin1')]);
        else if (p.outHead !== null) this.#write(p, []);
        this.#finish(p, false);
      },
      onError: (err, retryable) => {
        if (p.done) return;
        if (retryable && !p.retried && IDEMPOTENT.has(p.method)) {
          // A kept-alive connection the upstream had just closed: the request never got there; once more, fresh.
          p.retried = true;
          p.upstream = p.pool.send(p.head, this.#exchange(p), p.method === 'HEAD');
          return;
        }
        if (p.sent) {
          this.#finish(p, true);
          return void this.#socket.destroy();
        }
        const f = classifyUpstreamError(err);
        this.#answer(p, f.status, f.message, { 'x-portico-error': f.code });
      },
    };
  }

  /** Writes body bytes, with the response head in front of the first ones. */
  #write(p: Pending, chunks: Buffer[]): boolean {
    if (this.#socket.destroyed) return true;
    let data: Buffer | string;
    if (p.outHead !== null) {
      const head = p.outHead;
      p.outHead = null;
      p.sent = true;
      let size = 0;
      for (const c of chunks) size += c.length;
      if (size <= SMALL_BODY) {
        // A small answer goes out as one latin1 string (bytes map to characters one to one): no Buffers to build
        // and join for what is usually a head and a few bytes.
        let text = head;
        for (const c of chunks) text += c.toString('latin1');
        return this.#put(text);
      }
      data = Buffer.concat([Buffer.from(head, 'latin1'), ...chunks]);
    } else {
      data = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
    }
    return this.#put(data);
  }

  /** False while libuv holds bytes the kernel did not take yet: the caller pauses the upstream until #written. */
  #put(data: string | Buffer): boolean {
    if (writeDirect(this.#socket, data, this.#written) !== 'async') return true;
    this.#queuedWrites++;
    return false;
  }

  /** The response head for `p`, keeping the connection alive unless the client or a drain says otherwise. */
  #head(p: Pending, status: number, headers: HeaderBag, hasBody: boolean, checked = false): ResponseHead | null {
    return responseHead(status, headers, p.keepAlive && !this.#closeAfter, Math.floor(this.#host.limits.keepAliveTimeoutMs / 1000), hasBody, checked);
  }

  /** A response written by the proxy itself (upstream failure), as sendText would on the node:http path. */
  #answer(p: Pending, status: number, body: string, extra: HeaderBag): void {
    const headers: HeaderBag = { ...extra, 'content-type': 'text/plain; charset=utf-8', 'content-length': String(Buffer.byteLength(body)) };
    let rh: ResponseHead | null = null;
    try {
      for (const edit of p.edits) edit(headers);
      rh = this.#head(p, status, headers, false);
    } catch {
      // as in onHead: a 500 below
    }
    if (rh === null) return this.#answerInvalid(p);
    this.#reply(p, status, rh, body);
  }

  /** A route's response filter produced a header node:http refuses: 500, as answerInvalidHeaders does. */
  #answerInvalid(p: Pending): void {
    p.upstream?.abort();
    const body = 'the route produced an invalid response header (ERR_INVALID_CHAR); check its filters and redirect values';
    const headers = { 'content-type': 'text/plain; charset=utf-8', 'content-length': String(Buffer.byteLength(body)), 'x-portico-error': 'ERR_INVALID_CHAR' };
    this.#reply(p, 500, this.#head(p, 500, headers, false)!, body);
  }

  #reply(p: Pending, status: number, rh: ResponseHead, body: string): void {
    p.status = status;
    p.outHead = rh.head;
    this.#write(p, p.method === 'HEAD' ? [] : [Buffer.from(body)]);
    this.#finish(p, false);
  }

  #finish(p: Pending, truncated: boolean): void {
    if (p.done) return;
    p.done = true;
    this.#record(p, p.status, truncated);
    this.#current = null;
    if (!p.keepAlive || this.#closeAfter) {
      // As node:http after a last response: nothing more is read or answered on this connection (a request waiting
      // behind is dropped), and the socket goes once the response is out. net sees no reads here, so it would not
      // notice the client's end and destroy the socket by itself.
      this.#stash = null;
      this.#reader?.stop();
      this.#socket.destroySoon();
      return;
    }
    if (this.#stash !== null) return this.#handOver();
    this.#arm('idle');
  }

  #record(p: Pending, status: number, truncated: boolean): void {
    const ms = performance.now() - p.started;
    const ctx = this.#host.ctx;
    p.series.record(status, truncated, ms / 1000);
    ctx.accessLog?.({
      time: new Date().toISOString(), gateway: p.gateway, listener: p.listener, route: p.route, backend: p.backend,
      method: p.method, host: p.host, path: p.path, status, truncated, durationMs: Math.round(ms * 1000) / 1000,
    });
  }

  #handOver(): void {
    fastPathStats.handedOver++;
    const replay = this.#stash!;
    this.#stash = null;
    this.#detach();
    this.#reader?.release();
    this.#reader = null;
    this.#host.handOver(this.#socket, replay);
  }

  #detach(): void {
    unwatch(this.#clock);
    this.#socket.off('close', this.#onClose);
    this.#socket.off('error', this.#onError);
    this.#host.done(this);
  }

  /** As node:http answers a request its parser refused: a bare status, then the connection closes. */
  #parseFailed(err: ParseError): void {
    const sent = this.#current?.sent === true;
    this.#abandon();
    if (sent) return void this.#socket.destroy();
    if (this.#socket.writable) this.#socket.write(PARSE_ERROR_ANSWERS[err.code] ?? BAD_REQUEST);
    this.#socket.destroy();
  }

  #clientEnded(): void {
    // A request waits for node:http behind the one in flight: the client's end drops both, as node:http would.
    this.#stash = null;
    const r = this.#parser.finish();
    if (isParseError(r)) return this.#parseFailed(r);
    // As node:http (httpAllowHalfOpen false): the client's end aborts what it asked and closes our side. net never saw
    // the end (the reads are ours), so it would not destroy the socket by itself once our side is closed.
    this.#abandon();
    this.#socket.destroySoon();
  }

  /** The client is gone: the request in flight is dropped upstream and logged as 499 (or truncated). */
  #abandon(): void {
    const p = this.#current;
    if (p === null || p.done) return;
    p.done = true;
    p.upstream?.abort();
    this.#record(p, p.sent ? p.status : CLIENT_CLOSED, p.sent);
    this.#current = null;
  }

  #clientClosed(): void {
    if (this.#closed) return;
    this.#closed = true;
    unwatch(this.#clock);
    this.#abandon();
    this.#host.done(this);
  }

  #arm(kind: 'headers' | 'idle'): void {
    this.#timerKind = kind;
    this.#clock.deadline = performance.now() + (kind === 'idle' ? this.#host.limits.keepAliveTimeoutMs : this.#host.limits.headersTimeoutMs);
  }

  #expired(): void {
    // node:http answers 408 to a request whose head is too slow, and closes an idle keep-alive connection.
    if (this.#current === null && this.#timerKind === 'headers' && this.#socket.writable && this.#partial) this.#socket.write(REQUEST_TIMEOUT);
    this.#socket.destroy();
  }

  #clearTimer(): void {
    this.#clock.deadline = Infinity;
    this.#timerKind = null;
  }
}

const CRLF = Buffer.from('\r\n');
/** Bodies up to this size are written with their head as one string (see #write). */
const SMALL_BODY = 2048;

type CachedSeries = { metrics: Metrics; gateway: string; listener: string; series: Series };
/** Per compiled route and backend: compiled routes live as long as the config that made them. */
const seriesCache = new WeakMap<CompiledRoute, Map<RuntimeCluster, CachedSeries>>();

function seriesOf(metrics: Metrics, gateway: string, listener: string, route: CompiledRoute, cluster: RuntimeCluster): Series {
  let byCluster = seriesCache.get(route);
  if (byCluster === undefined) seriesCache.set(route, (byCluster = new Map()));
  const hit = byCluster.get(cluster);
  if (hit !== undefined && hit.metrics === metrics && hit.gateway === gateway && hit.listener === listener) return hit.series;
  const series = metrics.series(gateway, listener, route.name, cluster.name);
  byCluster.set(cluster, { metrics, gateway, listener, series });
  return series;
}

function trailerLines(raw: readonly string[]): string {
  let out = '';
  for (let i = 0; i < raw.length; i += 2) out += `${raw[i]}: ${raw[i + 1]}\r\n`;
  return out;
}
