// A tiny WebSocket echo backend for upgrade tests (RFC 6455 handshake and unfragmented frames up to 64 KiB), and a
// raw-socket client for upgrades of other protocols.
import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';

export type WsBackend = {
  port: number;
  /** The upgrade requests it received, in order. */
  seen: http.IncomingMessage[];
  close(): Promise<void>;
};

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/**
 * `/ws` answers 101 and echoes every text and binary message; `/refuse` answers 403 with a body; `/raw` switches to
 * the protocol `echo` (also `/<anything>/raw`), which sends back whatever bytes arrive (including those sent right after the request head).
 * With `tls`, the backend speaks HTTPS (a BackendTLSPolicy backend).
 */
export async function startWsBackend(tls?: { certificate: string; privateKey: string }): Promise<WsBackend> {
  const seen: http.IncomingMessage[] = [];
  const sockets = new Set<net.Socket>();
  const plain = (_req: http.IncomingMessage, res: http.ServerResponse) => res.end('not an upgrade');
  const server = tls ? https.createServer({ cert: tls.certificate, key: tls.privateKey }, plain) : http.createServer(plain);
  server.on('upgrade', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
    seen.push(req);
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    if (req.url === '/refuse') {
      socket.end('HTTP/1.1 403 Forbidden\r\ncontent-type: text/plain\r\ncontent-length: 7\r\nx-from: backend\r\n\r\nrefused');
      return;
    }
    if (req.url?.endsWith('/raw')) {
      socket.write('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n');
      if (head.length > 0) socket.write(head);
      socket.pipe(socket);
      return;
    }
    const accept = createHash('sha1').update(`${req.headers['sec-websocket-key']}${GUID}`).digest('base64');
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
    let buffered = head;
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      for (;;) {
        const frame = readFrame(buffered);
        if (frame === null) return;
        buffered = buffered.subarray(frame.length);
        if (frame.opcode === 0x8) return void socket.end(writeFrame(0x8, Buffer.alloc(0)));
        if (frame.opcode === 0x1 || frame.opcode === 0x2) socket.write(writeFrame(frame.opcode, frame.payload));
      }
    };
    socket.on('data', onData);
    if (head.length > 0) onData(Buffer.alloc(0));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    seen,
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}

function readFrame(buf: Buffer): { opcode: number; payload: Buffer; length: number } | null {
  if (buf.length < 2) return null;
  const opcode = buf[0]! & 0x0f;
  const masked = (buf[1]! & 0x80) !== 0;
  let len = buf[1]! & 0x7f;
  let offset = 2;
  if (len === 126) {
    if (buf.length < 4) return null;
    len = buf.readUInt16BE(2);
    offset = 4;
  }
  const maskAt = offset;
  if (masked) offset += 4;
  if (buf.length < offset + len) return null;
  const payload = Buffer.from(buf.subarray(offset, offset + len));
  if (masked) for (let i = 0; i < payload.length; i++) payload[i]! ^= buf[maskAt + (i % 4)]!;
  return { opcode, payload, length: offset + len };
}

function writeFrame(opcode: number, payload: Buffer): Buffer {
  const head = payload.length < 126 ? Buffer.from([0x80 | opcode, payload.length]) : Buffer.from([0x80 | opcode, 126, payload.length >> 8, payload.length & 0xff]);
  return Buffer.concat([head, payload]);
}

/** Sends `head` (and `early` right behind it, before any answer), resolves with the first bytes the server sends. */
export function rawExchange(port: number, head: string, early = ''): Promise<{ socket: net.Socket; first: string }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(head + early));
    let text = '';
    const onData = (chunk: Buffer) => {
      text += chunk.toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      if (end === -1) return;
      socket.off('data', onData);
      resolve({ socket, first: text });
    };
    socket.on('data', onData);
    socket.once('error', reject);
  });
}

/** Reads from `socket` until `text` holds `wanted`. */
export function readUntil(socket: net.Socket, already: string, wanted: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = already;
    if (text.includes(wanted)) return resolve(text);
    const onData = (chunk: Buffer) => {
      text += chunk.toString('latin1');
      if (!text.includes(wanted)) return;
      socket.off('data', onData);
      resolve(text);
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.once('end', () => resolve(text));
  });
}
