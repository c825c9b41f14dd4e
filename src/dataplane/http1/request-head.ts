// The one request shape the fast path reads without llhttp: a whole head that is all of one read, a common method,
// an origin-form target of plain characters, `HTTP/1.1`, plain `name: value` lines, exactly one Host, and none of
// Content-Length, Transfer-Encoding, Expect, Upgrade or Proxy-Connection (those go to node:http anyway), with a Connection header (if
// any) of `keep-alive` or `close`. That is what a browser or a load balancer sends for a GET, and reading it here
// saves llhttp's calls into JavaScript, its header strings and its restart per request. Anything else, or any doubt,
// returns null and llhttp reads the same bytes from the first one, so this never accepts what llhttp would refuse
// or read differently (test/dataplane/request-head.test.ts compares the two on generated and mutated heads; the
// fast path as a whole is fuzzed against node:http in http1-fuzz.test.ts).
import { connectionValue, FIELD, fieldLine, latin1, sameLower } from './head-bytes.ts';

export type SimpleRequest = { method: string; target: string; raw: string[]; keepAlive: boolean };

const CR = 13;
const LF = 10;
const SP = 32;
/** ` HTTP/1.1\r\n` */
const VERSION = [32, 72, 84, 84, 80, 47, 49, 46, 49, 13, 10];
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH']);

/**
 * Target bytes: unreserved, sub-delims, ':', '@', '/', '?' and '%' (RFC 3986 pchar and query). No '#', no quote,
 * no byte outside ASCII: those are for llhttp and normalizeTarget to judge.
 */
const TARGET = new Uint8Array(256);
for (const c of "-._~!$&'()*+,;=:@/?%") TARGET[c.charCodeAt(0)] = 1;
for (let c = 48; c <= 57; c++) TARGET[c] = 1;
for (let c = 65; c <= 90; c++) TARGET[c] = 1;
for (let c = 97; c <= 122; c++) TARGET[c] = 1;

/** The request head that is all of `b`, or null when it is not the simple shape above (llhttp reads it instead). */
export function simpleRequestHead(b: Buffer, maxHeadSize: number): SimpleRequest | null {
  const n = b.length;
  // llhttp's limit counts somewhat differently; far below it, both agree there is no overflow.
  if (n < 18 || n > maxHeadSize / 2 || b[n - 4] !== CR || b[n - 3] !== LF || b[n - 2] !== CR || b[n - 1] !== LF) return null;
  let i = 0;
  while (i < 8 && b[i] >= 65 && b[i] <= 90) i++;
  if (i === 0 || b[i] !== SP) return null;
  const methodEnd = i++;
  if (b[i] !== 47 /* / */) return null;
  const targetStart = i;
  while (i < n && TARGET[b[i]] === 1) i++;
  const targetEnd = i;
  for (let k = 0; k < VERSION.length; k++) if (b[i + k] !== VERSION[k]) return null;
  i += VERSION.length;
  const spans: number[] = [];
  let hosts = 0;
  let keepAlive = true;
  for (;;) {
    if (i + 1 >= n) return null;
    if (b[i] === CR) {
      // The blank line ends the head, and it must end the read: a pipelined request is node:http's.
      if (i + 2 !== n) return null;
      break;
    }
    i = fieldLine(b, i, n);
    if (i === -1) return null;
    const nameStart = FIELD[0];
    const nameEnd = FIELD[1];
    const valueStart = FIELD[2];
    const valueEnd = FIELD[3];
    const nameLength = nameEnd - nameStart;
    if (nameLength === 4 && sameLower(b, nameStart, 'host')) hosts++;
    else if (nameLength === 14 && sameLower(b, nameStart, 'content-length')) return null;
    else if (nameLength === 17 && sameLower(b, nameStart, 'transfer-encoding')) return null;
    else if (nameLength === 6 && sameLower(b, nameStart, 'expect')) return null;
    else if (nameLength === 7 && sameLower(b, nameStart, 'upgrade')) return null;
    // llhttp takes it as a Connection header; node:http reads it so.
    else if (nameLength === 16 && sameLower(b, nameStart, 'proxy-connection')) return null;
    else if (nameLength === 10 && sameLower(b, nameStart, 'connection')) {
      const value = connectionValue(b, valueStart, valueEnd);
      if (value === null) return null;
      if (value === 'close') keepAlive = false;
    }
    spans.push(nameStart, nameEnd, valueStart, valueEnd);
  }
  if (hosts !== 1) return null;
  const text = latin1(b, 0, n);
  const method = text.slice(0, methodEnd);
  if (!METHODS.has(method)) return null;
  const raw: string[] = new Array(spans.length / 2);
  for (let k = 0; k < spans.length; k += 2) raw[k / 2] = text.slice(spans[k], spans[k + 1]);
  return { method, target: text.slice(targetStart, targetEnd), raw, keepAlive };
}
