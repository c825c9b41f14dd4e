// How the Go echo servers print things, so our answers are byte-for-byte what the suite's decoders were written
// against: encoding/json's string escaping, crypto/tls's version names, and environment port parsing.

import type { Pod } from './types.ts';

const GO_EXTRA_ESCAPES: Record<string, string> = {
  '<': '\\u003c',
  '>': '\\u003e',
  '&': '\\u0026',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
};

/**
 * `json.Marshal` of plain objects, arrays, strings and booleans built from valid strings (for raw bytes see
 * `goJsonBytes`). Go escapes `<`, `>`, `&`, U+2028 and U+2029 where JSON.stringify does not; every other escape is
 * the same. Key order is insertion order, like Go's struct field order.
 */
export function goJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => GO_EXTRA_ESCAPES[c]);
}

/** Length of the valid UTF-8 sequence at `i` by Go's `utf8.DecodeRune` rules, or 0 when the byte is invalid. */
function utf8SequenceLength(b: Uint8Array, i: number): number {
  const c = b[i];
  const cont = (k: number, lo = 0x80, hi = 0xbf) => i + k < b.length && b[i + k] >= lo && b[i + k] <= hi;
  if (c < 0x80) return 1;
  if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0;
  if (c >= 0xe0 && c <= 0xef) {
    const [lo, hi] = c === 0xe0 ? [0xa0, 0xbf] : c === 0xed ? [0x80, 0x9f] : [0x80, 0xbf];
    return cont(1, lo, hi) && cont(2) ? 3 : 0;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    const [lo, hi] = c === 0xf0 ? [0x90, 0xbf] : c === 0xf4 ? [0x80, 0x8f] : [0x80, 0xbf];
    return cont(1, lo, hi) && cont(2) && cont(3) ? 4 : 0;
  }
  return 0;
}

/**
 * The JSON string literal Go's encoding/json writes for `string(bytes)`: each byte that is not part of valid UTF-8
 * becomes the escape `\ufffd` (a U+FFFD that was really sent stays as it is), the rest as `goJson` writes it.
 */
export function goJsonBytes(bytes: Uint8Array): string {
  let out = '';
  let runStart = 0;
  const flush = (end: number) => {
    if (end > runStart) out += goJson(Buffer.from(bytes.subarray(runStart, end)).toString('utf8')).slice(1, -1);
  };
  for (let i = 0; i < bytes.length; ) {
    const len = utf8SequenceLength(bytes, i);
    if (len > 0) {
      i += len;
      continue;
    }
    flush(i);
    out += '\\ufffd';
    runStart = ++i;
  }
  flush(bytes.length);
  return `"${out}"`;
}

/** `tls.VersionName`: "TLS 1.3" (Node says "TLSv1.3"). */
export function goTlsVersionName(nodeProtocol: string | null): string {
  const m = /^TLSv(1(?:\.[0-3])?)$/.exec(nodeProtocol ?? '');
  if (!m) return nodeProtocol ?? '';
  return `TLS ${m[1] === '1' ? '1.0' : m[1]}`;
}

/** The name the gRPC echo gives a version ("TLSv1.3"), which is Node's own spelling except for 1.0. */
export function grpcTlsVersionName(nodeProtocol: string | null): string {
  return nodeProtocol === 'TLSv1' ? 'TLSv1.0' : (nodeProtocol ?? '');
}

/** Reads a port from the pod's env the way the echo server does (`strconv.Atoi`, default when unset or empty). */
export function envPort(pod: Pick<Pod, 'namespace' | 'name' | 'env'>, name: string, fallback: number): number {
  const raw = pod.env[name];
  if (raw === undefined || raw === '') return fallback;
  const port = /^\+?\d{1,5}$/.test(raw) ? Number(raw) : NaN;
  if (!(port >= 0 && port <= 65535)) {
    throw new Error(
      `pod ${pod.namespace}/${pod.name}: ${name}=${JSON.stringify(raw)} is not a port number (0-65535); ` +
        `the real echo server exits on this too, so fix the env of the pod's Deployment`,
    );
  }
  return port;
}
