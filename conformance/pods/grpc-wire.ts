// gRPC over HTTP/2 as a grpc-go server sees it: which content types are gRPC, which request headers become
// incoming metadata (what `metadata.FromIncomingContext` returns), message framing and status encoding.

export const STATUS = { OK: 0, UNKNOWN: 2, INVALID_ARGUMENT: 3, RESOURCE_EXHAUSTED: 8, UNIMPLEMENTED: 12, INTERNAL: 13 } as const;

/** grpc-go's default `MaxRecvMsgSize`. */
export const MAX_RECV_MESSAGE = 4 * 1024 * 1024;

/** `grpcutil.ContentSubtype`: the subtype ("" for plain `application/grpc`), or undefined when not gRPC. */
export function contentSubtype(contentType: string | undefined): string | undefined {
  const base = 'application/grpc';
  if (contentType === base) return '';
  if (contentType === undefined || !contentType.startsWith(base)) return undefined;
  const sep = contentType[base.length];
  return sep === '+' || sep === ';' ? contentType.slice(base.length + 1) : undefined;
}

/** `grpcutil.ContentType`: what the server answers with for a request's subtype. */
export function responseContentType(subtype: string): string {
  return subtype === '' ? 'application/grpc' : `application/grpc+${subtype}`;
}

// Reserved names grpc-go keeps out of metadata (besides every pseudo-header but :authority).
const RESERVED = new Set(['content-type', 'user-agent', 'grpc-message-type', 'grpc-encoding', 'grpc-message', 'grpc-status', 'grpc-timeout', 'te']);
const WHITELISTED = new Set([':authority', 'user-agent']);
// Names handled before the reserved check: content-type (kept when it is gRPC) and grpc-accept-encoding (kept).
const HANDLED = new Set([':method', ':path', 'grpc-encoding', 'grpc-timeout']);

function decodeBinary(value: string): string {
  // Go's decodeBinHeader accepts padded and unpadded base64; the value is the decoded bytes as a Go string.
  return Buffer.from(value, 'base64').toString('latin1');
}

/**
 * The incoming metadata of one request, in header order: lower-case keys, one pair per header line, `-bin` values
 * base64-decoded, `host` folded into `:authority` as grpc-go does (A41).
 */
export function incomingMetadata(rawHeaders: string[]): Array<[string, string]> {
  const md: Array<[string, string]> = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i].toLowerCase();
    const value = rawHeaders[i + 1];
    if (HANDLED.has(name)) continue;
    if (name === 'content-type') {
      if (contentSubtype(value) !== undefined) md.push([name, value]);
      continue;
    }
    if (name === 'grpc-accept-encoding') {
      md.push([name, value]);
      continue;
    }
    if ((name.startsWith(':') || RESERVED.has(name)) && !WHITELISTED.has(name)) continue;
    md.push([name, name.endsWith('-bin') ? decodeBinary(value) : value]);
  }
  const hasAuthority = md.some(([k]) => k === ':authority');
  return md.flatMap(([k, v]): Array<[string, string]> => {
    if (k !== 'host') return [[k, v]];
    return hasAuthority ? [] : [[':authority', v]];
  });
}

/** `encodeGrpcMessage`: percent-encodes bytes outside printable ASCII, and `%` itself. */
export function encodeGrpcMessage(message: string): string {
  let out = '';
  for (const byte of Buffer.from(message, 'utf8')) {
    out += byte >= 0x20 && byte <= 0x7e && byte !== 0x25 ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

export class GrpcError extends Error {
  readonly code: number;
  constructor(code: number, message: string) {
    super(message);
    this.code = code;
  }
}

/** One length-prefixed message (5-byte header: compressed flag, big-endian length). */
export function frameMessage(body: Uint8Array): Buffer {
  const header = Buffer.alloc(5);
  header.writeUInt32BE(body.length, 1);
  return Buffer.concat([header, body]);
}

/**
 * The first request message of a unary call, checked as grpc-go's `recvAndDecompress` does (no decompressor is
 * installed in the echo server, so a compressed message is an error).
 */
export function firstMessage(body: Buffer): Buffer {
  if (body.length === 0) throw new GrpcError(STATUS.UNKNOWN, 'EOF');
  if (body.length < 5) throw new GrpcError(STATUS.UNKNOWN, 'unexpected EOF');
  const flag = body[0];
  const length = body.readUInt32BE(1);
  if (length > MAX_RECV_MESSAGE) {
    throw new GrpcError(STATUS.RESOURCE_EXHAUSTED, `grpc: received message larger than max (${length} vs. ${MAX_RECV_MESSAGE})`);
  }
  if (body.length < 5 + length) throw new GrpcError(STATUS.UNKNOWN, 'unexpected EOF');
  if (flag === 1) throw new GrpcError(STATUS.INTERNAL, 'grpc: compressed flag set with identity or empty encoding');
  if (flag !== 0) throw new GrpcError(STATUS.INTERNAL, `grpc: received unexpected payload format ${flag}`);
  return body.subarray(5, 5 + length);
}
