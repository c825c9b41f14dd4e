// The one upstream response shape the fast path reads without llhttp: a whole head in one read, `HTTP/1.1`, a final
// status with a body (2xx to 5xx but 204 and 304), plain `name: value` lines, exactly one Content-Length of digits,
// no Transfer-Encoding, and a Connection header (if any) of `keep-alive` or `close`. That is what nearly every
// upstream sends for a small answer, and reading it here saves llhttp's four calls into JavaScript and its header
// strings per response. Anything else, or any doubt, returns null and the caller gives the bytes to llhttp, which
// then has seen them from the first byte; so this never decides what llhttp would refuse
// (test/dataplane/response-head.test.ts compares the two on generated and mutated heads).

export type SimpleHead = {
  status: number;
  /** [name, value, …] as sent, as llhttp reports them. */
  raw: string[];
  contentLength: number;
  keepAlive: boolean;
  /** Offset of the first body byte. */
  bodyStart: number;
};

import { connectionValue, FIELD, fieldLine, latin1, sameLower, TEXT } from './head-bytes.ts';

const CR = 13;
const LF = 10;
const SP = 32;
/** `HTTP/1.1 ` */
const PREFIX = [72, 84, 84, 80, 47, 49, 46, 49, 32];
/** Longer values would lose precision as numbers; llhttp's 64-bit limit is far above any real body. */
const MAX_LENGTH_DIGITS = 15;

/** The head at the start of `b`, or null when it is not the simple shape above (llhttp reads it instead). */
export function simpleResponseHead(b: Buffer, maxHeadSize: number): SimpleHead | null {
  const n = Math.min(b.length, maxHeadSize);
  if (n < 16) return null;
  for (let i = 0; i < PREFIX.length; i++) if (b[i] !== PREFIX[i]) return null;
  const d0 = b[9] - 48;
  const d1 = b[10] - 48;
  const d2 = b[11] - 48;
  if (d0 < 2 || d0 > 5 || d1 < 0 || d1 > 9 || d2 < 0 || d2 > 9 || b[12] !== SP) return null;
  const status = d0 * 100 + d1 * 10 + d2;
  if (status === 204 || status === 304) return null;
  let i = 13;
  while (i < n && TEXT[b[i]] === 1) i++;
  if (i + 1 >= n || b[i] !== CR || b[i + 1] !== LF) return null;
  i += 2;
  // Positions of each line's name and value; strings are cut from one latin1 copy of the head at the end.
  const spans: number[] = [];
  let contentLength = -1;
  let keepAlive = true;
  for (;;) {
    if (i + 1 >= n) return null;
    if (b[i] === CR) {
      if (b[i + 1] !== LF) return null;
      i += 2;
      break;
    }
    i = fieldLine(b, i, n);
    if (i === -1) return null;
    const nameStart = FIELD[0];
    const nameEnd = FIELD[1];
    const valueStart = FIELD[2];
    const valueEnd = FIELD[3];
    const nameLength = nameEnd - nameStart;
    if (nameLength === 14 && sameLower(b, nameStart, 'content-length')) {
      if (contentLength !== -1) return null;
      contentLength = digits(b, valueStart, valueEnd);
      if (contentLength === -1) return null;
    } else if ((nameLength === 17 && sameLower(b, nameStart, 'transfer-encoding')) || (nameLength === 16 && sameLower(b, nameStart, 'proxy-connection'))) {
      // Proxy-Connection: llhttp takes it as a Connection header.
      return null;
    } else if (nameLength === 10 && sameLower(b, nameStart, 'connection')) {
      const value = connectionValue(b, valueStart, valueEnd);
      if (value === null) return null;
      if (value === 'close') keepAlive = false;
    }
    spans.push(nameStart, nameEnd, valueStart, valueEnd);
  }
  if (contentLength === -1) return null;
  const text = latin1(b, 0, i);
  const raw: string[] = new Array(spans.length / 2);
  for (let k = 0; k < spans.length; k += 2) raw[k / 2] = text.slice(spans[k], spans[k + 1]);
  return { status, raw, contentLength, keepAlive, bodyStart: i };
}

/** The decimal number in b[start, end), or -1 unless it is 1 to MAX_LENGTH_DIGITS digits. */
function digits(b: Buffer, start: number, end: number): number {
  if (end === start || end - start > MAX_LENGTH_DIGITS) return -1;
  let v = 0;
  for (let k = start; k < end; k++) {
    const d = b[k] - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}
