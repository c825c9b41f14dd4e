// Reads the server name (SNI) from a TLS ClientHello without terminating TLS: just enough of RFC 8446 §4.1.2 and
// RFC 6066 §3 to find it. Bounded: the hello may span several records, but never more than MAX_HELLO_BYTES; anything
// that is not a well-formed ClientHello is refused, and the caller closes the connection.

/** ClientHellos with large post-quantum key shares are ~2 KB; 16 KB (one full record) leaves ample room. */
export const MAX_HELLO_BYTES = 16 * 1024;

export type HelloResult =
  | { type: 'need-more' }
  | { type: 'ok'; serverName: string | null }
  | { type: 'invalid'; reason: string };

const HANDSHAKE = 22;
const CLIENT_HELLO = 1;
const EXT_SERVER_NAME = 0;
const HOST_NAME = 0;
/** What a DNS name may hold; SNI is ASCII (RFC 6066: IDNs in A-label form). */
const NAME = /^[a-z0-9_]([-a-z0-9_]*[a-z0-9_])?(\.[a-z0-9_]([-a-z0-9_]*[a-z0-9_])?)*$/;

/** Parses the bytes read so far: `need-more` until a whole ClientHello is there. */
export function parseClientHello(buf: Buffer): HelloResult {
  // Reassemble the handshake message from the records' fragments.
  const parts: Buffer[] = [];
  let have = 0;
  let want = -1;
  let off = 0;
  while (off + 5 <= buf.length) {
    if (buf[off] !== HANDSHAKE) return invalid(`record type ${buf[off]} is not a handshake (22): not TLS`);
    if (buf[off + 1] !== 3) return invalid(`record version ${buf[off + 1]}.${buf[off + 2]} is not TLS`);
    const len = buf.readUInt16BE(off + 3);
    if (len === 0 || len > 16 * 1024) return invalid(`record length ${len} is out of range`);
    if (off + 5 + len > buf.length) break;
    parts.push(buf.subarray(off + 5, off + 5 + len));
    have += len;
    off += 5 + len;
    if (want < 0 && have >= 4) {
      const head = Buffer.concat(parts);
      if (head[0] !== CLIENT_HELLO) return invalid(`handshake type ${head[0]} is not ClientHello (1)`);
      want = 4 + head.readUIntBE(1, 3);
      if (want > MAX_HELLO_BYTES) return invalid(`ClientHello of ${want} bytes is larger than ${MAX_HELLO_BYTES}`);
    }
    if (want >= 0 && have >= want) return parseHello(Buffer.concat(parts).subarray(4, want));
  }
  if (buf.length >= 1 && buf[0] !== HANDSHAKE) return invalid(`record type ${buf[0]} is not a handshake (22): not TLS`);
  if (buf.length > MAX_HELLO_BYTES + 5 * 4) return invalid(`no complete ClientHello in the first ${buf.length} bytes`);
  return { type: 'need-more' };
}

function parseHello(body: Buffer): HelloResult {
  const r = new Reader(body);
  r.skip(2 + 32); // legacy_version, random
  r.skip(r.u8()); // legacy_session_id
  r.skip(r.u16()); // cipher_suites
  r.skip(r.u8()); // legacy_compression_methods
  if (r.failed) return invalid('ClientHello is truncated');
  if (r.left === 0) return { type: 'ok', serverName: null }; // no extensions at all
  const extLen = r.u16();
  const extEnd = r.pos + extLen;
  if (r.failed || extEnd > body.length) return invalid('ClientHello extensions overrun the message');
  while (r.pos + 4 <= extEnd) {
    const type = r.u16();
    const len = r.u16();
    if (r.pos + len > extEnd) return invalid('a ClientHello extension overruns the extensions');
    if (type !== EXT_SERVER_NAME) {
      r.skip(len);
      continue;
    }
    const ext = new Reader(body.subarray(r.pos, r.pos + len));
    const listEnd = 2 + ext.u16();
    if (ext.failed || listEnd > len) return invalid('server_name list overruns its extension');
    while (ext.pos + 3 <= listEnd) {
      const nameType = ext.u8();
      const nameLen = ext.u16();
      if (ext.pos + nameLen > listEnd) return invalid('server_name entry overruns its list');
      const raw = body.subarray(r.pos + ext.pos, r.pos + ext.pos + nameLen);
      ext.skip(nameLen);
      if (nameType !== HOST_NAME) continue;
      const name = raw.toString('latin1').toLowerCase().replace(/\.$/, '');
      if (name.length === 0 || name.length > 253 || !NAME.test(name)) return invalid('server_name is not a DNS hostname');
      return { type: 'ok', serverName: name };
    }
    return { type: 'ok', serverName: null };
  }
  return { type: 'ok', serverName: null };
}

function invalid(reason: string): HelloResult {
  return { type: 'invalid', reason };
}

/** Bounds-checked reads; a read past the end sets `failed` instead of throwing. */
class Reader {
  pos = 0;
  failed = false;
  readonly #b: Buffer;
  constructor(b: Buffer) {
    this.#b = b;
  }
  get left(): number {
    return this.#b.length - this.pos;
  }
  u8(): number {
    if (this.pos + 1 > this.#b.length) return this.#fail();
    return this.#b[this.pos++];
  }
  u16(): number {
    if (this.pos + 2 > this.#b.length) return this.#fail();
    const v = this.#b.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }
  skip(n: number): void {
    if (this.pos + n > this.#b.length) this.#fail();
    else this.pos += n;
  }
  #fail(): number {
    this.failed = true;
    this.pos = this.#b.length;
    return 0;
  }
}
