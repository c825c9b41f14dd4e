// Smuggling and hygiene vectors for the HTTP/1.1 differential fuzzer, and a seeded mutator aimed at framing bytes.
// Strings are latin1: one character per byte, so NUL, CTLs and obs-text go on the wire as written.
import type { FuzzCase } from './http1-fuzz-support.ts';

const H = 'Host: fuzz.test';

/** A request from its start line and header lines, then an empty line and `body` as is. */
function req(start: string, headers: string[], body = ''): string {
  return [start, ...headers, '', body].join('\r\n');
}

const get = (path = '/api/x', headers: string[] = [H]) => req(`GET ${path} HTTP/1.1`, headers);
const post = (headers: string[], body: string, path = '/api/p') => req(`POST ${path} HTTP/1.1`, [H, ...headers], body);
const chunked = (...headers: string[]) => (body: string) => post(headers, body);

const one = (name: string, bytes: string): FuzzCase => ({ name, writes: [bytes] });
/** The same bytes one byte per write, to catch state lost between reads. */
const bytewise = (name: string, bytes: string): FuzzCase => ({ name: `${name} (byte by byte)`, writes: [...bytes] });
/** Split at every given offset. */
function splitAt(name: string, bytes: string, ...at: number[]): FuzzCase {
  const cuts = [0, ...at, bytes.length];
  return { name: `${name} (split at ${at.join(',')})`, writes: cuts.slice(1).map((end, i) => bytes.slice(cuts[i], end)) };
}

const te = (value: string, body = '5\r\nhello\r\n0\r\n\r\n') => post([`Transfer-Encoding: ${value}`], body);
const cl = (value: string, body = 'hello') => post([`Content-Length: ${value}`], body);

const basics: FuzzCase[] = [
  one('GET with prefix route', get()),
  one('GET on catch-all', get('/other')),
  one('header removed by the route filter', get('/api/x', [H, 'X-Remove-Me: 1', 'X-Route: client'])),
  one('POST with content-length', cl('5')),
  one('POST chunked', te('chunked')),
  one('POST chunked with trailers', te('chunked', '5\r\nhello\r\n0\r\nX-Trailer: t\r\n\r\n')),
  one('POST chunked, several chunks', te('chunked', '1\r\na\r\n2\r\nbc\r\n3\r\ndef\r\n0\r\n\r\n')),
  one('GET with content-length body', req('GET /api/x HTTP/1.1', [H, 'Content-Length: 4'], 'body')),
  one('GET with chunked body', req('GET /api/x HTTP/1.1', [H, 'Transfer-Encoding: chunked'], '4\r\nbody\r\n0\r\n\r\n')),
  one('HEAD', req('HEAD /api/x HTTP/1.1', [H])),
  one('POST without body or length', post([], '')),
  one('POST content-length 0', cl('0', '')),
  one('DELETE with body', req('DELETE /api/x HTTP/1.1', [H, 'Content-Length: 3'], 'abc')),
  one('large content-length body', cl('70000', 'b'.repeat(70000))),
];

const smuggling: FuzzCase[] = [
  one('CL.TE classic', post(['Content-Length: 6', 'Transfer-Encoding: chunked'], '0\r\n\r\nG')),
  one('TE.CL classic', post(['Transfer-Encoding: chunked', 'Content-Length: 3'], '8\r\nSMUGGLED\r\n0\r\n\r\n')),
  one('CL.TE with smuggled request', post(['Content-Length: 44', 'Transfer-Encoding: chunked'], `0\r\n\r\n${get('/admin')}`)),
  one('TE.CL with smuggled request', post(['Transfer-Encoding: chunked', 'Content-Length: 4'], `5c\r\n${get('/admin', [H, 'Content-Length: 15'])}x=1\r\n0\r\n\r\n`)),
  one('two content-length, equal', post(['Content-Length: 5', 'Content-Length: 5'], 'hello')),
  one('two content-length, different', post(['Content-Length: 5', 'Content-Length: 6'], 'hello!')),
  one('content-length list', cl('5, 5')),
  one('content-length list, different', cl('5, 6', 'hello!')),
  one('content-length +5', cl('+5')),
  one('content-length leading space', cl(' 5')),
  one('content-length trailing space', cl('5 ')),
  one('content-length tab', cl('5\t')),
  one('content-length 0x5', cl('0x5')),
  one('content-length 5.0', cl('5.0')),
  one('content-length -1', cl('-1')),
  one('content-length 05', cl('05')),
  one('content-length empty', cl('', '')),
  one('content-length huge', cl('99999999999999999999')),
  one('content-length 2^64', cl('18446744073709551616')),
  one('content-length 2^53+1', cl('9007199254740993')),
  one('content-length with letters', cl('5a')),
  one('TE chunked, identity', te('chunked, identity')),
  one('TE identity, chunked', te('identity, chunked')),
  one('TE gzip, chunked', te('gzip, chunked')),
  one('TE gzip', te('gzip', 'hello')),
  one('TE xchunked', te('xchunked')),
  one('TE Chunked', te('Chunked')),
  one('TE CHUNKED', te('CHUNKED')),
  one('TE leading space', te(' chunked')),
  one('TE chunked with tab', te('chunked\t')),
  one('TE chunked twice (two lines)', post(['Transfer-Encoding: chunked', 'Transfer-Encoding: chunked'], '5\r\nhello\r\n0\r\n\r\n')),
  one('TE chunked, chunked', te('chunked, chunked')),
  one('TE chunked then identity line', post(['Transfer-Encoding: chunked', 'Transfer-Encoding: identity'], '5\r\nhello\r\n0\r\n\r\n')),
  one('TE empty', te('')),
  one('TE with vertical tab', te('\x0bchunked')),
  one('TE name with space before colon', post(['Transfer-Encoding : chunked'], '5\r\nhello\r\n0\r\n\r\n')),
  one('TE name with underscore', post(['Transfer_Encoding: chunked', 'Content-Length: 3'], '5\r\nhello\r\n0\r\n\r\n')),
  one('TE on HTTP/1.0', req('POST /api/p HTTP/1.0', [H, 'Transfer-Encoding: chunked'], '5\r\nhello\r\n0\r\n\r\n')),
  one('TE and CL on HTTP/1.0', req('POST /api/p HTTP/1.0', [H, 'Transfer-Encoding: chunked', 'Content-Length: 5'], '0\r\n\r\n')),
  one('chunk size overflow', te('chunked', 'ffffffffffffffffff\r\nhello\r\n0\r\n\r\n')),
  one('chunk size 2^64', te('chunked', '10000000000000000\r\nhello\r\n0\r\n\r\n')),
  one('chunk size 0x5', te('chunked', '0x5\r\nhello\r\n0\r\n\r\n')),
  one('chunk size with leading space', te('chunked', ' 5\r\nhello\r\n0\r\n\r\n')),
  one('chunk size with trailing space', te('chunked', '5 \r\nhello\r\n0\r\n\r\n')),
  one('chunk size negative', te('chunked', '-5\r\nhello\r\n0\r\n\r\n')),
  one('chunk extension', te('chunked', '5;name=value\r\nhello\r\n0\r\n\r\n')),
  one('chunk extension quoted', te('chunked', '5;name="v a;l"\r\nhello\r\n0\r\n\r\n')),
  one('chunk extension with NUL', te('chunked', '5;name=\x00\r\nhello\r\n0\r\n\r\n')),
  one('chunk extension with bare LF', te('chunked', '5;name\nhello\r\n0\r\n\r\n')),
  one('chunk extension with bare CR', te('chunked', '5;a\rb\r\nhello\r\n0\r\n\r\n')),
  one('chunk data longer than size', te('chunked', '3\r\nhello\r\n0\r\n\r\n')),
  one('chunk data without CRLF', te('chunked', '5\r\nhello0\r\n\r\n')),
  one('chunk data then bare LF', te('chunked', '5\r\nhello\n0\r\n\r\n')),
  one('chunk size line bare LF', te('chunked', '5\nhello\r\n0\r\n\r\n')),
  one('last chunk without final CRLF', te('chunked', '5\r\nhello\r\n0\r\n')),
  one('last chunk, bare LF end', te('chunked', '5\r\nhello\r\n0\n\n')),
  one('chunk size with leading zeros', te('chunked', '0005\r\nhello\r\n0\r\n\r\n')),
  one('chunk size in upper-case hex', te('chunked', 'A\r\n0123456789\r\n0\r\n\r\n')),
  one('many one-byte chunks', te('chunked', `${'1\r\nx\r\n'.repeat(200)}0\r\n\r\n`)),
  one('TE chunked with CL 0', post(['Transfer-Encoding: chunked', 'Content-Length: 0'], '5\r\nhello\r\n0\r\n\r\n')),
  one('trailer with CL', te('chunked', '0\r\nContent-Length: 5\r\n\r\n')),
  one('trailer with TE', te('chunked', '0\r\nTransfer-Encoding: chunked\r\n\r\n')),
  one('trailer with bad name', te('chunked', '0\r\nBad Name: x\r\n\r\n')),
];

const hygiene: FuzzCase[] = [
  one('bare LF line endings', 'GET /api/x HTTP/1.1\nHost: fuzz.test\n\n'),
  one('bare LF after one header', 'GET /api/x HTTP/1.1\r\nHost: fuzz.test\nX-A: 1\r\n\r\n'),
  one('bare CR line endings', 'GET /api/x HTTP/1.1\rHost: fuzz.test\r\r'),
  one('bare CR inside a value', get('/api/x', [H, 'X-A: a\rb'])),
  one('NUL in header name', get('/api/x', [H, 'X-A\x00b: 1'])),
  one('NUL in header value', get('/api/x', [H, 'X-A: a\x00b'])),
  one('CTL in header value', get('/api/x', [H, 'X-A: a\x01b'])),
  one('DEL in header value', get('/api/x', [H, 'X-A: a\x7fb'])),
  one('obs-text in header value', get('/api/x', [H, 'X-A: caf\xe9'])),
  one('tab in header value', get('/api/x', [H, 'X-A: a\tb'])),
  one('space in header name', get('/api/x', [H, 'X A: 1'])),
  one('empty header name', get('/api/x', [H, ': 1'])),
  one('space before colon', get('/api/x', [H, 'X-A : 1'])),
  one('space before colon on content-length', post(['Content-Length : 5'], 'hello')),
  one('obs-fold continuation', get('/api/x', [H, 'X-Fold: a', ' b'])),
  one('obs-fold on content-length', post(['Content-Length:', ' 5'], 'hello')),
  one('obs-fold on transfer-encoding', post(['Transfer-Encoding: identity', ' chunked'], '5\r\nhello\r\n0\r\n\r\n')),
  one('first header line folded', get('/api/x', [' X-A: 1', H])),
  one('missing Host on 1.1', get('/api/x', [])),
  one('missing Host on 1.0', req('GET /api/x HTTP/1.0', [])),
  one('two Host headers', get('/api/x', [H, 'Host: other.test'])),
  one('two Host headers, equal', get('/api/x', [H, H])),
  one('empty Host', get('/api/x', ['Host:'])),
  one('Host with space', get('/api/x', ['Host: a b'])),
  one('Host with slash', get('/api/x', ['Host: a/b'])),
  one('Host with userinfo', get('/api/x', ['Host: u@fuzz.test'])),
  one('absolute-form with a different Host', get('http://other.test/api/x', [H])),
  one('absolute-form https', get('https://other.test/api/x', [H])),
  one('absolute-form without path', get('http://other.test', [H])),
  one('absolute-form with userinfo', get('http://u:p@other.test/x', [H])),
  one('asterisk target on GET', get('*')),
  one('OPTIONS *', req('OPTIONS * HTTP/1.1', [H])),
  one('CONNECT', req('CONNECT fuzz.test:443 HTTP/1.1', ['Host: fuzz.test:443'])),
  one('CONNECT with body', req('CONNECT fuzz.test:443 HTTP/1.1', ['Host: fuzz.test:443', 'Content-Length: 5'], 'hello')),
  one('authority-form on GET', get('fuzz.test:80')),
  one('HTTP/1.0 without keep-alive', req('GET /api/x HTTP/1.0', [H])),
  one('HTTP/1.0 keep-alive then another', req('GET /api/x HTTP/1.0', [H, 'Connection: keep-alive']) + req('GET /api/y HTTP/1.0', [H, 'Connection: keep-alive'])),
  one('HTTP/0.9', 'GET /api/x\r\n'),
  one('HTTP/2.0 request line', req('GET /api/x HTTP/2.0', [H])),
  one('HTTP/1.2', req('GET /api/x HTTP/1.2', [H])),
  one('HTTP/3.0', req('GET /api/x HTTP/3.0', [H])),
  one('lowercase version', req('GET /api/x http/1.1', [H])),
  one('version 01.1', req('GET /api/x HTTP/01.1', [H])),
  one('h2 preface', 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'),
  one('Upgrade h2c', get('/api/x', [H, 'Connection: Upgrade, HTTP2-Settings', 'Upgrade: h2c', 'HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA'])),
  one('Upgrade websocket', get('/api/ws', [H, 'Connection: Upgrade', 'Upgrade: websocket', 'Sec-WebSocket-Version: 13', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=='])),
  one('websocket Upgrade then GET in one write', get('/api/ws', [H, 'Connection: Upgrade', 'Upgrade: websocket', 'Sec-WebSocket-Version: 13', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==']) + get()),
  one('Upgrade without Connection', get('/api/x', [H, 'Upgrade: websocket'])),
  one('Expect 100-continue with body', post(['Content-Length: 5', 'Expect: 100-continue'], 'hello')),
  one('Expect 100-continue, body never sent', post(['Content-Length: 5', 'Expect: 100-continue'], '')),
  one('Expect 100-continue without length', post(['Expect: 100-continue'], '')),
  one('Expect unknown', post(['Content-Length: 5', 'Expect: 200-ok'], 'hello')),
  one('header section over 16 KiB', get('/api/x', [H, `X-Big: ${'a'.repeat(17_000)}`])),
  one('header section just under 16 KiB', get('/api/x', [H, `X-Big: ${'a'.repeat(15_000)}`])),
  one('many small headers', get('/api/x', [H, ...Array.from({ length: 500 }, (_, i) => `X-H${i}: ${i}`)])),
  one('very long URL', get(`/api/${'a'.repeat(20_000)}`)),
  one('long URL under the limit', get(`/api/${'a'.repeat(8_000)}`)),
  one('invalid method', req('G@T /api/x HTTP/1.1', [H])),
  one('lowercase method', req('get /api/x HTTP/1.1', [H])),
  one('unknown method', req('FOO /api/x HTTP/1.1', [H])),
  one('PURGE', req('PURGE /api/x HTTP/1.1', [H])),
  one('PROPFIND with body', req('PROPFIND /api/x HTTP/1.1', [H, 'Content-Length: 2'], '<>')),
  one('double space in request line', req('GET  /api/x HTTP/1.1', [H])),
  one('tab in request line', req('GET\t/api/x HTTP/1.1', [H])),
  one('leading CRLF before request', `\r\n${get()}`),
  one('space in target', req('GET /api/a b HTTP/1.1', [H])),
  one('raw high byte in target', req('GET /api/\xff HTTP/1.1', [H])),
  one('NUL in target', req('GET /api/\x00 HTTP/1.1', [H])),
  one('fragment in target', get('/api/x#frag')),
  one('encoded NUL in target', get('/api/%00')),
  one('Connection naming a header', get('/api/x', [H, 'Connection: x-drop', 'X-Drop: 1', 'X-Keep: 1'])),
  one('Connection naming content-length', post(['Connection: content-length', 'Content-Length: 5'], 'hello')),
  one('Connection close then another request', get('/api/x', [H, 'Connection: close']) + get('/api/y')),
  one('mixed-case framing names', post(['content-LENGTH: 5'], 'hello')),
  one('mixed-case chunked value', post(['TRANSFER-encoding: CHUNKED'], '5\r\nhello\r\n0\r\n\r\n')),
  one('Connection keep-alive, close', get('/api/x', [H, 'Connection: keep-alive, close']) + get('/api/y')),
  one('header value with surrounding whitespace', get('/api/x', [H, 'X-A: \t  a b \t '])),
  one('Keep-Alive header', get('/api/x', [H, 'Keep-Alive: timeout=5', 'Connection: keep-alive'])),
];

const pipelined: FuzzCase[] = [
  one('three GETs in one write', get('/api/1') + get('/api/2') + get('/other/3')),
  one('POST with length then GET', cl('5') + get('/api/after')),
  one('POST chunked then GET', te('chunked') + get('/api/after')),
  one('POST chunked with trailers then GET', te('chunked', '5\r\nhello\r\n0\r\nX-T: 1\r\n\r\n') + get('/api/after')),
  one('HEAD between GETs', get('/api/1') + req('HEAD /api/2 HTTP/1.1', [H]) + get('/api/3')),
  one('GET with body then GET', req('GET /api/x HTTP/1.1', [H, 'Content-Length: 4'], 'body') + get('/api/after')),
  one('good request then garbage', `${get()}GARBAGE\r\n\r\n`),
  one('good request then bad CL', get() + cl('+5')),
  one('body shorter than CL (next request absorbed)', cl('10', 'abc')),
  one('body longer than CL', cl('3', 'helloGET')),
];

const longer = te('chunked', '5\r\nhello\r\n0\r\nX-T: 1\r\n\r\n');
const splits: FuzzCase[] = [
  bytewise('POST with length', cl('5')),
  bytewise('POST chunked with trailer', longer),
  bytewise('CL.TE classic', post(['Content-Length: 6', 'Transfer-Encoding: chunked'], '0\r\n\r\nG')),
  bytewise('two GETs', get('/api/1') + get('/api/2')),
  bytewise('bare LF line endings', 'GET /api/x HTTP/1.1\nHost: fuzz.test\n\n'),
  splitAt('CRLF split between CR and LF', get(), get().indexOf('\r\n') + 1),
  splitAt('chunk size split', longer, longer.indexOf('\r\n\r\n5') + 5, longer.indexOf('0\r\nX') + 1),
  splitAt('header name split', get('/api/x', [H, 'Content-Length: 0']), 30, 36),
  splitAt('body split from head', cl('5'), cl('5').length - 5, cl('5').length - 2),
];

/**
 * The same vectors as the second request of a connection, in a write of their own once the first was answered: a
 * fast path sees them on a connection it already owns, not as a fresh one it may hand over whole.
 */
const afterServed = (cases: FuzzCase[]): FuzzCase[] =>
  cases.map((c) => ({ name: `${c.name} (after a served request)`, writes: [get('/api/first'), ...c.writes] }));

const secondOnConnection = afterServed([
  ...smuggling,
  ...hygiene.filter((c) => !/16 KiB|long URL|many small/.test(c.name)),
  one('garbage', 'hello\r\n\r\n'),
]);

export const corpus: FuzzCase[] = [...basics, ...smuggling, ...hygiene, ...pipelined, ...splits, ...secondOnConnection];

const wellFormed: FuzzCase[] = [...basics.filter((c) => c.name !== 'large content-length body'), ...pipelined.slice(0, 5)];

const websocket = ['Connection: Upgrade', 'Upgrade: websocket', 'Sec-WebSocket-Version: 13', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=='];

/**
 * Cases that crash the process serving them (found 2026-11-26: an Upgrade pipelined behind a request still being
 * answered throws ERR_HTTP_SOCKET_ASSIGNED from acceptUpgrade, uncaught). Kept out of `corpus` because the planes run
 * inside the test process; bench/fuzz-http1.ts --crashers runs them, and the test file does so in a child process.
 */
export const crashers: FuzzCase[] = [
  one('GET then websocket Upgrade in one write', get() + get('/api/ws', [H, ...websocket])),
  one('POST then websocket Upgrade in one write', cl('5') + get('/api/ws', [H, ...websocket])),
];

/** mulberry32: tiny, seedable, good enough to spread mutations. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const INSERTS = ['\r', '\n', '\r\n', ' ', '\t', ',', '0', '1', '5', '9', 'f', ';', ':', '\x00', '"', '-', '+'];
const FRAMING = /content-length|transfer-encoding|chunked|\r\n[0-9a-f]+(;[^\r]*)?\r\n|\r\n\r\n/gi;
// Weights of the operations below (0 insert, 2 delete, 3 duplicate a line, 4 add a header, 5 flip case, 6 change a
// digit, 7 CRLF to LF or CR, 8 truncate): byte inserts are mostly fatal, so the survivable ones get more turns.
const OPS = [0, 0, 0, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 8];
const EXTRA_HEADERS = ['Transfer-Encoding: chunked', 'Content-Length: 0', 'Content-Length: 5', 'Transfer-Encoding: identity', 'Host: other.test'];

/** Offsets near framing tokens (CL/TE names and values, chunk-size lines, head end), where smuggling lives. */
function framingSpots(s: string): number[] {
  const spots: number[] = [];
  for (const m of s.matchAll(FRAMING)) {
    const end = m.index + m[0].length;
    spots.push(m.index, end, Math.min(s.length, end + 2), m.index + Math.floor(m[0].length / 2));
  }
  return spots;
}

/**
 * One mutant, fully determined by (seed, index): replay a failure with the same two numbers. Mutations: insert a
 * framing-relevant byte, delete a byte, duplicate or add a header line, flip case, change a digit, turn CRLF into LF
 * or CR, truncate; then optionally split the bytes across writes, and put them after a request answered first.
 */
export function mutant(seed: number, index: number): FuzzCase {
  const rnd = prng((seed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  // Mostly well-formed bases: mutating what node:http already rejects mostly yields another 400.
  const source = pick(rnd() < 0.7 ? wellFormed : corpus.filter((c) => c.writes.join('').length < 4_000));
  let s = source.writes.join('');
  const ops: string[] = [];
  const roll = rnd();
  const count = roll < 0.6 ? 1 : roll < 0.9 ? 2 : 3;
  for (let k = 0; k < count; k++) {
    const spots = framingSpots(s);
    const at = spots.length > 0 && rnd() < 0.7 ? Math.min(pick(spots), s.length) : Math.floor(rnd() * (s.length + 1));
    const op = pick(OPS);
    if (op === 0) {
      const ins = pick(INSERTS);
      s = s.slice(0, at) + ins + s.slice(at);
      ops.push(`insert ${JSON.stringify(ins)}@${at}`);
    } else if (op === 2 && s.length > 0) {
      s = s.slice(0, at) + s.slice(at + 1);
      ops.push(`delete@${at}`);
    } else if (op === 3) {
      const lineStart = s.lastIndexOf('\r\n', at - 1);
      const lineEnd = s.indexOf('\r\n', at);
      if (lineStart >= 0 && lineEnd > lineStart) {
        const line = s.slice(lineStart, lineEnd);
        s = s.slice(0, lineEnd) + line + s.slice(lineEnd);
        ops.push(`duplicate line ${JSON.stringify(line.slice(2, 40))}`);
      }
    } else if (op === 4) {
      const first = s.indexOf('\r\n');
      if (first >= 0) {
        const extra = pick(EXTRA_HEADERS);
        s = `${s.slice(0, first + 2)}${extra}\r\n${s.slice(first + 2)}`;
        ops.push(`add ${extra}`);
      }
    } else if (op === 5) {
      const end = Math.min(s.length, at + 1 + Math.floor(rnd() * 8));
      const region = s.slice(at, end);
      const flipped = [...region].map((ch) => (ch === ch.toLowerCase() ? ch.toUpperCase() : ch.toLowerCase())).join('');
      s = s.slice(0, at) + flipped + s.slice(end);
      ops.push(`flip case@${at}+${end - at}`);
    } else if (op === 6) {
      const digit = s.slice(at).search(/[0-9]/);
      if (digit >= 0) {
        const i = at + digit;
        const d = String(Math.floor(rnd() * 10));
        s = s.slice(0, i) + d + s.slice(i + 1);
        ops.push(`digit ${d}@${i}`);
      }
    } else if (op === 7) {
      const crlf = s.indexOf('\r\n', at);
      if (crlf >= 0) {
        const to = rnd() < 0.5 ? '\n' : '\r';
        s = s.slice(0, crlf) + to + s.slice(crlf + 2);
        ops.push(`CRLF->${JSON.stringify(to)}@${crlf}`);
      }
    } else {
      s = s.slice(0, at);
      ops.push(`truncate@${at}`);
    }
  }
  let writes = [s];
  if (rnd() < 0.2 && s.length > 2) {
    const cuts = Array.from({ length: 1 + Math.floor(rnd() * 3) }, () => 1 + Math.floor(rnd() * (s.length - 1))).sort((x, y) => x - y);
    writes = [0, ...cuts].map((from, i) => s.slice(from, i < cuts.length ? cuts[i] : s.length)).filter((w) => w.length > 0);
    ops.push(`split ${cuts.join(',')}`);
  }
  // A connection that already carried a request is where a fast path keeps its own state.
  if (rnd() < 0.3) {
    writes = [get('/api/first'), ...writes];
    ops.push('after a served request');
  }
  return { name: `mutant seed=${seed} index=${index} of "${source.name}": ${ops.join('; ')}`, writes };
}
