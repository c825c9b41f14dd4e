// The differential harness for the HTTP/1.1 fast path: one config served by a node:http plane (A) and a fast-path
// plane (B), each in front of its own recording upstream. A case's bytes go to both; what the upstreams received and
// what the clients saw must be the same. Everything here is black-box: sockets in, sockets out.
import dc from 'node:diagnostics_channel';
import net from 'node:net';
import { setImmediate as immediate, setTimeout as sleep } from 'node:timers/promises';
import type * as ir from '../../src/ir/types.ts';
import { startPlane, type Plane } from './fixture.ts';
import { config, forwardTo, local, prefix, route, simpleListener } from './ir-builders.ts';

/** Counts everything observable on one side, so a case can tell "still working" from "waiting for bytes". */
export type Activity = { count: number };

/** One request as the upstream parsed it; `complete: false` when the connection closed part-way. */
export type UpstreamRequest = {
  complete: boolean;
  method: string;
  target: string;
  version: string;
  /** Lower-cased names, in arrival order. */
  headers: [string, string][];
  framing: 'none' | 'length' | 'chunked';
  /** Decoded body bytes as latin1 (chunk boundaries are the proxy's business, their content is not). */
  body: string;
  trailers: [string, string][];
  /** Things a careful upstream would worry about: CL with TE, repeated CL, extra codings, bytes after close. */
  anomalies: string[];
  /** Set when the upstream could not parse what it got; then `raw` holds the start of it. */
  malformed?: string;
  raw?: string;
};

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const HEADER = /^([^:]*):[ \t]*(.*?)[ \t]*$/s;
const BAD_VALUE = /[\x00-\x08\x0a-\x1f\x7f]/;
const CHUNK_LINE = /^([0-9a-fA-F]{1,15})(;[^\x00-\x08\x0a-\x1f\x7f]*)?$/;

type Parsed = { done: true; consumed: number; request: UpstreamRequest } | { done: false; partial: UpstreamRequest };

function blank(): UpstreamRequest {
  return { complete: false, method: '', target: '', version: '', headers: [], framing: 'none', body: '', trailers: [], anomalies: [] };
}

function malformed(reason: string, buf: string): UpstreamRequest {
  return { ...blank(), malformed: reason, raw: buf.slice(0, 400) };
}

function parseFields(lines: string[], into: [string, string][]): string | null {
  for (const line of lines) {
    const m = HEADER.exec(line);
    if (!m || !TOKEN.test(m[1])) return `bad header line ${JSON.stringify(line)}`;
    if (BAD_VALUE.test(m[2])) return `control byte in value ${JSON.stringify(line)}`;
    into.push([m[1].toLowerCase(), m[2]]);
  }
  return null;
}

/** Strict RFC 9112 parsing of what the proxy sent: nothing lenient, so a sloppy proxy shows up as malformed. */
export function parseUpstreamRequest(buf: string): Parsed | { error: UpstreamRequest } {
  const req = blank();
  const headEnd = buf.indexOf('\r\n\r\n');
  if (headEnd < 0) {
    if (buf.length > 1 << 20) return { error: malformed('head over 1 MiB', buf) };
    return { done: false, partial: { ...req, raw: buf.slice(0, 400) } };
  }
  const lines = buf.slice(0, headEnd).split('\r\n');
  if (lines.some((l) => l.includes('\r') || l.includes('\n'))) return { error: malformed('bare CR or LF in head', buf) };
  const start = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+) ([^\x00-\x20\x7f]+) HTTP\/(1\.[01])$/.exec(lines[0]);
  if (!start) return { error: malformed(`bad request line ${JSON.stringify(lines[0])}`, buf) };
  [, req.method, req.target, req.version] = start;
  const bad = parseFields(lines.slice(1), req.headers);
  if (bad) return { error: malformed(bad, buf) };
  const te = req.headers.filter(([n]) => n === 'transfer-encoding').map(([, v]) => v);
  const cl = req.headers.filter(([n]) => n === 'content-length').map(([, v]) => v);
  let pos = headEnd + 4;
  if (te.length > 0) {
    if (cl.length > 0) req.anomalies.push('content-length and transfer-encoding both sent');
    const codings = te.join(',').split(',').map((c) => c.trim().toLowerCase());
    if (codings.at(-1) !== 'chunked') return { error: malformed(`transfer-encoding ${JSON.stringify(te)} not ending in chunked`, buf) };
    if (codings.length > 1) req.anomalies.push(`transfer-encoding ${JSON.stringify(te)}`);
    req.framing = 'chunked';
    for (;;) {
      const eol = buf.indexOf('\r\n', pos);
      if (eol < 0) return { done: false, partial: req };
      const m = CHUNK_LINE.exec(buf.slice(pos, eol));
      if (!m) return { error: malformed(`bad chunk line ${JSON.stringify(buf.slice(pos, eol))}`, buf) };
      const size = parseInt(m[1], 16);
      if (size === 0) {
        const from = eol + 2;
        if (buf.length < from + 2) return { done: false, partial: req };
        let consumed = from + 2;
        if (!buf.startsWith('\r\n', from)) {
          const end = buf.indexOf('\r\n\r\n', from);
          if (end < 0) return { done: false, partial: req };
          const badTrailer = parseFields(buf.slice(from, end).split('\r\n'), req.trailers);
          if (badTrailer) return { error: malformed(`trailer: ${badTrailer}`, buf) };
          consumed = end + 4;
        }
        req.complete = true;
        return { done: true, consumed, request: req };
      }
      if (buf.length < eol + 2 + size + 2) {
        req.body += buf.slice(eol + 2, eol + 2 + size);
        return { done: false, partial: req };
      }
      if (!buf.startsWith('\r\n', eol + 2 + size)) return { error: malformed('chunk data not followed by CRLF', buf) };
      req.body += buf.slice(eol + 2, eol + 2 + size);
      pos = eol + 2 + size + 2;
    }
  }
  if (cl.length > 0) {
    if (new Set(cl).size > 1 || !/^\d+$/.test(cl[0])) return { error: malformed(`content-length ${JSON.stringify(cl)}`, buf) };
    if (cl.length > 1) req.anomalies.push(`content-length sent ${cl.length} times`);
    req.framing = 'length';
    const n = Number(cl[0]);
    req.body = buf.slice(pos, pos + n);
    if (buf.length < pos + n) return { done: false, partial: req };
    pos += n;
  }
  req.complete = true;
  return { done: true, consumed: pos, request: req };
}

export type Recorder = {
  port: number;
  /** Requests received since the last take(), in arrival order. */
  take(): UpstreamRequest[];
  /** Connections the proxy has open to this upstream. */
  open(): number;
  /** Closes the connections still open and returns the start of what each had received; they are not recorded. */
  disown(): string[];
  /** Whether a request for `target` arrived since the last take(). */
  saw(target: string): boolean;
  close(): Promise<void>;
};

const ANSWER = 'HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\n';

/**
 * A raw upstream. Each connection carries one request, answered `200 ok` with `connection: close`, so every request
 * the proxy forwards meets the same (empty) pool state on both planes.
 */
export async function startRecorder(activity: Activity): Promise<Recorder> {
  let got: UpstreamRequest[] = [];
  const sockets = new Map<net.Socket, () => string>();
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    activity.count++;
    let buf = '';
    sockets.set(socket, () => buf);
    let answered = false;
    let partial: UpstreamRequest | null = null;
    socket.on('data', (chunk: Buffer) => {
      activity.count++;
      buf += chunk.toString('latin1');
      if (answered) return;
      const r = parseUpstreamRequest(buf);
      if ('error' in r) {
        got.push(r.error);
        answered = true;
        buf = '';
        socket.destroy();
      } else if (r.done) {
        got.push(r.request);
        answered = true;
        buf = buf.slice(r.consumed);
        socket.end(r.request.method === 'HEAD' ? ANSWER : `${ANSWER}ok`);
      } else partial = r.partial;
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      activity.count++;
      if (!sockets.delete(socket)) return;
      if (!answered && buf.length > 0) got.push(partial ?? { ...blank(), raw: buf.slice(0, 400) });
      else if (answered && buf.length > 0) {
        got.push({ ...blank(), anomalies: ['bytes after a request answered with connection: close'], raw: buf.slice(0, 400) });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    take() {
      const out = got;
      got = [];
      return out;
    },
    open: () => sockets.size,
    disown() {
      const left = [...sockets.values()].map((b) => b().slice(0, 300));
      for (const s of sockets.keys()) s.destroy();
      sockets.clear();
      return left;
    },
    saw: (target) => got.some((r) => r.target === target),
    async close() {
      for (const s of sockets.keys()) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A path-prefix route with a header modifier (routing and header edits both exercised) and a catch-all. */
export function fuzzConfig(upstreamPort: number): ir.ProxyConfig {
  const modifier = { set: [{ name: 'x-route', value: 'api' }], add: [{ name: 'x-added', value: '1' }], remove: ['x-remove-me'] };
  return config({
    listeners: [
      simpleListener(0, [
        route('api', { path: prefix('/api'), filters: [{ type: 'RequestHeaderModifier', modifier }], action: forwardTo(['up', 1]) }),
        route('root', { path: prefix('/'), action: forwardTo(['up', 1]) }),
      ]),
    ],
    backends: { up: [local(upstreamPort)] },
  });
}

export type Side = { plane: Plane; recorder: Recorder; activity: Activity };

// Node's own probe, not the plane's: how many requests node:http parsed per listening port. A fuzzer that never
// reaches the fast path would agree with node:http for the wrong reason, so runs report this.
const nodeHttpRequests = new Map<number, number>();
dc.subscribe('http.server.request.start', (message) => {
  const port = ((message as { server: net.Server }).server.address() as net.AddressInfo | null)?.port;
  if (port !== undefined) nodeHttpRequests.set(port, (nodeHttpRequests.get(port) ?? 0) + 1);
});

/** Requests node:http itself has parsed on this side's port so far. */
export const viaNodeHttp = (side: Side): number => nodeHttpRequests.get(side.plane.port) ?? 0;

/** `configure` swaps the config (the harness's own test uses it to make two planes really differ). */
export async function startSide(http1FastPath: boolean, configure = fuzzConfig): Promise<Side> {
  const activity: Activity = { count: 0 };
  const recorder = await startRecorder(activity);
  const plane = await startPlane([configure(recorder.port)], { http1FastPath });
  return { plane, recorder, activity };
}

export async function stopSide(side: Side): Promise<void> {
  await side.plane.close();
  await side.recorder.close();
}

/** One case: the raw bytes a client writes, one socket write per entry (latin1, so any byte value fits). */
export type FuzzCase = { name: string; writes: string[] };

export const SENTINEL_TARGET = '/__fuzz_end';
/**
 * Sent once a case has gone quiet with the connection still open: if the case ended on a request boundary, the server
 * answers it and closes, a definite end. A half-close straight away would make node:http drop the responses still in
 * flight, and sending it with the case's bytes would make it a pipelined request, which changes how a fast path
 * treats the case.
 */
const SENTINEL = `GET ${SENTINEL_TARGET} HTTP/1.1\r\nHost: fuzz.end\r\nConnection: close\r\n\r\n`;

/**
 * What the client saw, in order: response statuses, the moments the sentinel and our half-close were sent, and how
 * the connection ended ('closed by server', 'closed after half-close', or 'still open').
 */
export type ClientView = (number | string)[];
export type Observation = { client: ClientView; upstream: UpstreamRequest[]; received: string; notes: string[] };

const QUIET_MS = 40;
/** Shorter between a case's own writes, which are many for byte-by-byte cases; the event-loop turns still apply. */
const BETWEEN_WRITES_MS = 10;
const OWED_CLOSE_MS = 5_000;
const CASE_DEADLINE_MS = 15_000;

/**
 * Waits until nothing on this side (client bytes, upstream traffic, access log) has moved for `quietMs` and then for
 * a few more event-loop turns, each with a poll phase: the timer alone could fire first after the process was
 * descheduled, before I/O that is already queued. Every step of a request's way through the plane shows up here
 * within two hops (a connection or bytes at the upstream, bytes at the client), so quiet means finished.
 */
async function waitQuiet(side: Side, done: () => boolean, deadline: number, quietMs: number, owed = () => false): Promise<void> {
  const level = () => side.activity.count + side.plane.log.length;
  let seen = level();
  let since = Date.now();
  while (Date.now() < deadline) {
    await sleep(5);
    if (done()) return;
    if (owed() || level() !== seen) {
      seen = level();
      since = Date.now();
      continue;
    }
    if (Date.now() - since < quietMs) continue;
    let calm = true;
    for (let i = 0; i < 5 && calm; i++) {
      await immediate();
      await sleep(5);
      calm = !done() && level() === seen;
    }
    if (calm || done()) return;
    seen = level();
    since = Date.now();
  }
}

/** Statuses in a response stream, each with the offset it starts at; junk or a tunnel ends the list. */
export function responsesOf(bytes: string): { status: number | string; at: number }[] {
  const out: { status: number | string; at: number }[] = [];
  let pos = 0;
  while (pos < bytes.length) {
    const at = pos;
    const m = /^HTTP\/1\.[01] (\d{3})[^\r\n]*\r\n/.exec(bytes.slice(pos, pos + 300));
    const headEnd = bytes.indexOf('\r\n\r\n', pos);
    if (!m || headEnd < 0) {
      out.push({ status: `junk ${JSON.stringify(bytes.slice(pos, pos + 60))}`, at });
      break;
    }
    const status = Number(m[1]);
    out.push({ status, at });
    const head = bytes.slice(pos, headEnd).toLowerCase();
    pos = headEnd + 4;
    if (status === 101) {
      if (pos < bytes.length) out.push({ status: 'tunnel bytes', at: pos });
      break;
    }
    // No body: 1xx, 204, 304, or the answer to a HEAD (the next response starts right away).
    if (status < 200 || status === 204 || status === 304 || bytes.startsWith('HTTP/1.', pos)) continue;
    if (/\ntransfer-encoding:[^\n]*chunked/.test(head)) {
      for (;;) {
        const eol = bytes.indexOf('\r\n', pos);
        const size = eol < 0 ? NaN : parseInt(bytes.slice(pos, eol), 16);
        if (Number.isNaN(size)) return [...out, { status: 'bad chunked response', at: pos }];
        pos = eol + 2 + size + 2;
        if (size === 0) break;
      }
      continue;
    }
    const cl = /\ncontent-length: *(\d+)/.exec(head);
    pos = cl ? pos + Number(cl[1]) : bytes.length;
  }
  return out;
}

/**
 * Connections that carry a request close when it is answered (the upstream says `connection: close`) or aborted; one
 * still holding a request once all is quiet is a leak. All are closed here so that the next case starts clean.
 */
async function settleUpstream(side: Side, notes: string[]): Promise<void> {
  await waitQuiet(side, () => side.recorder.open() === 0, Date.now() + CASE_DEADLINE_MS, QUIET_MS);
  const left = side.recorder.disown();
  const idle = left.filter((b) => b === '').length;
  const busy = left.filter((b) => b !== '');
  if (busy.length > 0) notes.push(`the proxy left upstream connections open, having sent ${JSON.stringify(busy)}`);
  // Opened for a request that was then dropped, and kept for the pool: harmless, but it should match.
  if (idle > 0) notes.push(`${idle} upstream connection(s) opened and left idle`);
}

/** Sends one case over a fresh connection and records what came back and what reached the upstream. */
export async function exchange(side: Side, c: FuzzCase): Promise<Observation> {
  const deadline = Date.now() + CASE_DEADLINE_MS;
  const notes: string[] = [];
  const socket = net.connect(side.plane.port, '127.0.0.1');
  let received = '';
  let closed = false;
  const closedP = new Promise<void>((resolve) =>
    socket.on('close', () => {
      closed = true;
      side.activity.count++;
      resolve();
    }),
  );
  socket.on('data', (d: Buffer) => {
    received += d.toString('latin1');
    side.activity.count++;
  });
  socket.on('error', () => {});
  await new Promise<void>((resolve) => {
    socket.once('connect', resolve);
    socket.once('close', resolve);
  });
  const marks: { at: number; what: string }[] = [];
  const settle = async (quietMs: number, owed = () => false) => {
    await Promise.race([closedP, waitQuiet(side, () => closed, deadline, quietMs, owed)]);
  };
  const write = (bytes: string) => new Promise<void>((resolve) => socket.write(Buffer.from(bytes, 'latin1'), () => resolve()));
  // Each write waits for the server to have done all it will with the previous ones: otherwise whether a later write
  // lands before or after an earlier request's answer depends on each plane's speed, and node:http itself answers
  // differently (a parse error drops the answers still in flight).
  for (let i = 0; i < c.writes.length && !closed && socket.writable; i++) {
    await write(c.writes[i]);
    await settle(i < c.writes.length - 1 ? BETWEEN_WRITES_MS : QUIET_MS);
  }
  if (!closed && socket.writable) {
    marks.push({ at: received.length, what: 'sent sentinel' });
    await write(SENTINEL);
    // Once the sentinel reached the upstream as a request of its own, the server owes a close: wait for it (for a
    // while: a plane that never closes is a finding, not a reason to hang).
    let owedSince = 0;
    await settle(QUIET_MS, () => {
      if (!side.recorder.saw(SENTINEL_TARGET)) return false;
      owedSince ||= Date.now();
      return Date.now() - owedSince < OWED_CLOSE_MS;
    });
  }
  let end = 'closed by server';
  if (!closed) {
    marks.push({ at: received.length, what: 'half-closed' });
    socket.end();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([closedP, new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.max(0, deadline - Date.now()))))]);
    clearTimeout(timer);
    end = closed ? 'closed after half-close' : 'still open';
    socket.destroy();
  }
  await settleUpstream(side, notes);
  const events = [...marks.map((m) => ({ ...m, mark: 0 })), ...responsesOf(received).map((r) => ({ at: r.at, what: r.status, mark: 1 }))];
  // A mark made when n bytes had arrived goes after the responses that start before n and before the ones from n on.
  events.sort((x, y) => x.at - y.at || x.mark - y.mark);
  return {
    client: [...events.map((e) => e.what), end],
    // Without a Host, the proxy's client names the upstream itself, and each side has its own upstream port.
    upstream: side.recorder.take().map((r) => ({
      ...r,
      headers: r.headers.map(([n, v]): [string, string] => [n, n === 'host' && v === `127.0.0.1:${side.recorder.port}` ? '<upstream>' : v]),
    })),
    received,
    notes,
  };
}

/** The parts two planes must agree on, as one string per request: upstream requests compare as a multiset since
 * node:http hands pipelined requests to the pool at once, so their arrival order at the upstream is not defined. */
export function comparable(o: Observation): unknown {
  const upstream = o.upstream.map((r) => {
    const pick = (name: string) => r.headers.filter(([n]) => n === name).map(([, v]) => v);
    const rest = r.headers
      .filter(([n, v]) => !['host', 'content-length', 'transfer-encoding'].includes(n) && !(n === 'connection' && v === 'keep-alive'))
      .map(([n, v]) => `${n}: ${v}`)
      .sort();
    const { complete, malformed, raw, method, target, version, framing, body, trailers, anomalies } = r;
    const head = malformed !== undefined || method === '' ? { malformed, raw } : {};
    return JSON.stringify({ complete, ...head, method, target, version, framing, host: pick('host'), cl: pick('content-length'), te: pick('transfer-encoding'), rest, body, trailers, anomalies });
  });
  return { client: o.client, upstream: upstream.sort(), notes: o.notes };
}

export type Lane = { a: Side; b: Side };

export type CaseResult = { c: FuzzCase; a: Observation; b: Observation; same: boolean };

export async function runCase(lane: Lane, c: FuzzCase): Promise<CaseResult> {
  const [a, b] = await Promise.all([exchange(lane.a, c), exchange(lane.b, c)]);
  const same = JSON.stringify(comparable(a)) === JSON.stringify(comparable(b));
  return { c, a, b, same };
}

/** A failure message with everything needed to replay the case by hand. */
export function explain(r: CaseResult): string {
  const side = (o: Observation) => JSON.stringify({ ...(comparable(o) as object), received: o.received.slice(0, 600) }, null, 1);
  return `case ${r.c.name}\nbytes ${JSON.stringify(r.c.writes.join(''))} (${r.c.writes.length} writes)\nA (node:http) ${side(r.a)}\nB (fast path) ${side(r.b)}`;
}

/**
 * Runs cases over several lanes at once (each lane one case at a time, so upstream traffic belongs to its case), until
 * `enough()` says so: a broken plane can cost seconds per case.
 */
export async function runAll(lanes: Lane[], cases: FuzzCase[], onResult: (r: CaseResult) => void, enough = () => false): Promise<void> {
  let next = 0;
  await Promise.all(
    lanes.map(async (lane) => {
      while (next < cases.length && !enough()) onResult(await runCase(lane, cases[next++]));
    }),
  );
}

export async function startLanes(n: number, bFastPath = true): Promise<Lane[]> {
  return Promise.all(Array.from({ length: n }, async () => ({ a: await startSide(false), b: await startSide(bFastPath) })));
}

export async function stopLanes(lanes: Lane[]): Promise<void> {
  await Promise.all(lanes.flatMap((l) => [stopSide(l.a), stopSide(l.b)]));
}
