// The `/ws` handler: golang.org/x/net/websocket's server handshake (Origin required) and echo-basic's
// `io.Copy(ws, ws)`, which sends every data frame's payload back as a text frame (x/net's default
// payload type), answers pings, and closes the TCP connection on a close frame without replying.
import { createHash } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type { EchoRequest } from './echo-request.ts';
import type { Pod } from './types.ts';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
/** No limit in x/net's Read; this only keeps one bad client from exhausting memory. */
const MAX_FRAME = 64 * 1024 * 1024;

export function acceptKey(key: string): string {
  return createHash('sha1').update(key + GUID).digest('base64');
}

/** url.ParseRequestURI's acceptance, roughly: an absolute URI with a scheme, or an absolute path. */
function parsableRequestUri(s: string): boolean {
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x20\x7f]/.test(s)) return false;
  return s.startsWith('/') || /^[a-zA-Z][a-zA-Z0-9+.-]*:./.test(s);
}

type Handshake = { ok: true; response: string; origin: string } | { ok: false; response: string };

export function websocketHandshake(req: EchoRequest): Handshake {
  const get = (name: string) => req.headers.get(name)?.[0] ?? '';
  const fail = (status: string, body: string, extra = '') => ({ ok: false as const, response: `HTTP/1.1 ${status}\r\n${extra}\r\n${body}` });
  if (req.method !== 'GET') return fail('405 Method Not Allowed', 'bad method');
  if (get('Upgrade').toLowerCase() !== 'websocket' || !get('Connection').toLowerCase().includes('upgrade')) {
    return fail('400 Bad Request', 'not websocket protocol');
  }
  const key = get('Sec-Websocket-Key');
  if (key === '') return fail('400 Bad Request', 'mismatch challenge/response');
  if (get('Sec-Websocket-Version') !== '13') return fail('400 Bad Request', 'missing or bad WebSocket Version', 'Sec-WebSocket-Version: 13\r\n');
  const protocol = get('Sec-Websocket-Protocol').trim();
  const protocols = protocol === '' ? [] : protocol.split(',').map((p) => p.trim());
  const origin = get('Origin');
  if (origin === '' || !parsableRequestUri(origin)) return fail('403 Forbidden', '');
  if (protocols.length > 1) return fail('400 Bad Request', '');
  const lines = ['HTTP/1.1 101 Switching Protocols', 'Upgrade: websocket', 'Connection: Upgrade', `Sec-WebSocket-Accept: ${acceptKey(key)}`];
  if (protocols.length === 1) lines.push(`Sec-WebSocket-Protocol: ${protocols[0]}`);
  return { ok: true, response: lines.join('\r\n') + '\r\n\r\n', origin };
}

/** One unmasked server frame. */
export function encodeFrame(opcode: number, payload: Uint8Array, mask?: Uint8Array): Buffer {
  const len = payload.length;
  const head = len < 126 ? 2 : len < 65536 ? 4 : 10;
  const out = Buffer.alloc(head + (mask ? 4 : 0) + len);
  out[0] = 0x80 | opcode;
  out[1] = (mask ? 0x80 : 0) | (len < 126 ? len : len < 65536 ? 126 : 127);
  if (len >= 126 && len < 65536) out.writeUInt16BE(len, 2);
  if (len >= 65536) out.writeBigUInt64BE(BigInt(len), 2);
  let at = head;
  if (mask) {
    out.set(mask, at);
    at += 4;
  }
  for (let i = 0; i < len; i++) out[at + i] = mask ? payload[i]! ^ mask[i % 4]! : payload[i]!;
  return out;
}

type Frame = { opcode: number; masked: boolean; payload: Buffer; size: number };

/** Parses one frame at the start of buf; undefined when more bytes are needed. */
export function decodeFrame(buf: Buffer): Frame | undefined | 'too-large' {
  if (buf.length < 2) return undefined;
  const opcode = buf[0]! & 0x0f;
  const masked = (buf[1]! & 0x80) !== 0;
  let len = buf[1]! & 0x7f;
  let at = 2;
  if (len === 126) {
    if (buf.length < 4) return undefined;
    len = buf.readUInt16BE(2);
    at = 4;
  } else if (len === 127) {
    if (buf.length < 10) return undefined;
    const big = buf.readBigUInt64BE(2) & 0x7fffffffffffffffn;
    if (big > BigInt(MAX_FRAME)) return 'too-large';
    len = Number(big);
    at = 10;
  }
  if (len > MAX_FRAME) return 'too-large';
  const maskAt = at;
  if (masked) at += 4;
  if (buf.length < at + len) return undefined;
  const payload = Buffer.from(buf.subarray(at, at + len));
  if (masked) for (let i = 0; i < len; i++) payload[i]! ^= buf[maskAt + (i % 4)]!;
  return { opcode, masked, payload, size: at + len };
}

/** Runs the handshake on a socket the HTTP server let go of, then echoes until the client closes. */
export function serveWebSocket(pod: Pod, req: EchoRequest, socket: Duplex, head: Buffer): void {
  const hs = websocketHandshake(req);
  socket.on('error', () => socket.destroy());
  if (!hs.ok) {
    socket.end(hs.response);
    return;
  }
  socket.write(hs.response);
  pod.log(`established websocket connection ${hs.origin}`);
  let pending = head;
  const onData = (chunk: Buffer) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    for (;;) {
      const frame = decodeFrame(pending);
      if (frame === undefined) return;
      if (frame === 'too-large') return void socket.destroy();
      pending = pending.subarray(frame.size);
      if (!frame.masked) {
        // A client MUST mask: x/net answers with close 1002 (protocol error) and stops.
        socket.end(encodeFrame(0x8, Buffer.from([0x03, 0xea])));
        return void socket.off('data', onData);
      }
      if (frame.opcode === 0x8) {
        socket.off('data', onData);
        return void socket.end();
      }
      if (frame.opcode === 0x9) socket.write(encodeFrame(0xa, frame.payload.subarray(0, 125)));
      else if (frame.opcode !== 0xa && frame.payload.length > 0) socket.write(encodeFrame(0x1, frame.payload));
    }
  };
  socket.on('data', onData);
  socket.on('end', () => socket.end());
  if (head.length > 0) onData(Buffer.alloc(0));
}
