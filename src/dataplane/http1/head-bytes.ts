// Byte-level pieces shared by the fast path's two head readers (request-head.ts, response-head.ts): the character
// classes llhttp's strict mode uses, and one header line. Positions go to a shared array rather than a new object
// per line: these run for every request and every response.

const CR = 13;
const LF = 10;
const SP = 32;
const HTAB = 9;
const COLON = 58;

/** RFC 9110 tchar, as llhttp's strict token table. */
export const TOKEN = new Uint8Array(256);
for (const c of "!#$%&'*+-.^_`|~") TOKEN[c.charCodeAt(0)] = 1;
for (let c = 48; c <= 57; c++) TOKEN[c] = 1;
for (let c = 65; c <= 90; c++) TOKEN[c] = 1;
for (let c = 97; c <= 122; c++) TOKEN[c] = 1;

/** Field-value and reason-phrase bytes: HTAB, SP, VCHAR and obs-text. */
export const TEXT = new Uint8Array(256);
TEXT[HTAB] = 1;
for (let c = 32; c <= 126; c++) TEXT[c] = 1;
for (let c = 128; c <= 255; c++) TEXT[c] = 1;

/** Where fieldLine found the name and the value: nameStart, nameEnd, valueStart, valueEnd. */
export const FIELD = new Int32Array(4);

/**
 * One `name: value` line at `i` of `b[0, n)`, ended by CRLF: a token name, no space before the colon, optional
 * whitespace after it, field-value bytes, no trailing whitespace (llhttp and Node trim it in their own ways, not
 * worth agreeing on). Returns the index after the CRLF, or -1 when the line is anything else.
 */
export function fieldLine(b: Buffer, i: number, n: number): number {
  const nameStart = i;
  while (i < n && TOKEN[b[i]] === 1) i++;
  if (i === nameStart || i >= n || b[i] !== COLON) return -1;
  const nameEnd = i++;
  while (i < n && (b[i] === SP || b[i] === HTAB)) i++;
  const valueStart = i;
  while (i < n && TEXT[b[i]] === 1) i++;
  if (i + 1 >= n || b[i] !== CR || b[i + 1] !== LF) return -1;
  if (i > valueStart && (b[i - 1] === SP || b[i - 1] === HTAB)) return -1;
  FIELD[0] = nameStart;
  FIELD[1] = nameEnd;
  FIELD[2] = valueStart;
  FIELD[3] = i;
  return i + 2;
}

/** A Connection value either reader takes: 'close', 'keep-alive' (any case), else null (a list, upgrade…). */
export function connectionValue(b: Buffer, start: number, end: number): 'close' | 'keep-alive' | null {
  if (end - start === 5 && sameLower(b, start, 'close')) return 'close';
  if (end - start === 10 && sameLower(b, start, 'keep-alive')) return 'keep-alive';
  return null;
}

/** Buffer's own latin1 slice, without toString's dispatch on the encoding name (one call per head). */
export function latin1(b: Buffer, start: number, end: number): string {
  return (b as unknown as { latin1Slice(start: number, end: number): string }).latin1Slice(start, end);
}

/** `b` from `at` is `lower` in any case (`lower` is lower-case ASCII). */
export function sameLower(b: Buffer, at: number, lower: string): boolean {
  for (let k = 0; k < lower.length; k++) if ((b[at + k] | 0x20) !== lower.charCodeAt(k)) return false;
  return true;
}
