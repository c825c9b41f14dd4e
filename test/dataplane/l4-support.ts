// Helpers for the layer-4 data-plane tests: raw ClientHello capture, tiny TCP/TLS/UDP backends, a socket reader.
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect as netConnect, createServer, type Server, type Socket } from 'node:net';
import { connect as tlsConnect, createServer as createTlsServer } from 'node:tls';
import type * as ir from '../../src/ir/types.ts';
import type { Pair } from './https-support.ts';

/** The bytes a real Node TLS client sends first (its ClientHello), for `servername` (none when undefined). */
export async function captureClientHello(servername?: string): Promise<Buffer> {
  const server = createServer();
  const got = new Promise<Buffer>((resolve) => server.once('connection', (s) => {
    const chunks: Buffer[] = [];
    s.on('data', (c: Buffer) => {
      chunks.push(c);
      const all = Buffer.concat(chunks);
      if (all.length >= 5 && all.length >= 5 + all.readUInt16BE(3)) {
        resolve(all);
        s.destroy();
      }
    });
  }));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const client = tlsConnect({ host: '127.0.0.1', port, ...(servername ? { servername } : {}), rejectUnauthorized: false });
  client.on('error', () => {});
  const hello = await got;
  client.destroy();
  await new Promise((r) => server.close(r));
  return hello;
}

export type Backend = { port: number; close(): Promise<void> };

async function listening(server: Server): Promise<Backend> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as { port: number }).port, close: () => new Promise((r) => server.close(() => r())) };
}

/** A TCP backend that answers every line with `<name>:<line>`. */
export function tcpBackend(name: string): Promise<Backend> {
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.setEncoding('utf8');
    let buf = '';
    s.on('data', (d: string) => {
      buf += d;
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        s.write(`${name}:${buf.slice(0, i)}\n`);
        buf = buf.slice(i + 1);
      }
    });
    s.on('end', () => s.end(`${name}:bye\n`));
  });
  const closeAll = () => { for (const s of sockets) s.destroy(); };
  return listening(server).then((b) => ({ port: b.port, close: () => { closeAll(); return b.close(); } }));
}

/** A TLS backend (certificate `pair`) that writes its name once the handshake is done. */
export function tlsBackend(name: string, pair: Pair): Promise<Backend> {
  const server = createTlsServer({ cert: pair.certificate, key: pair.privateKey }, (s) => {
    s.on('error', () => {});
    s.end(`${name}\n`);
  });
  return listening(server as unknown as Server);
}

/** Connects, writes `lines`, half-closes, and returns everything read until the server closes. */
export function tcpExchange(port: number, lines: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = netConnect({ host: '127.0.0.1', port, allowHalfOpen: true });
    let out = '';
    s.setEncoding('utf8');
    s.on('data', (d: string) => (out += d));
    s.on('error', reject);
    s.on('close', () => resolve(out));
    s.on('connect', () => s.end(lines.map((l) => `${l}\n`).join('')));
  });
}

/** What a TLS client through the proxy sees: the backend's name, or `closed` when the connection ends without a handshake. */
export function tlsHello(port: number, servername: string | undefined, ca: string): Promise<string> {
  return new Promise((resolve) => {
    const s = tlsConnect({ host: '127.0.0.1', port, ...(servername ? { servername } : {}), ca, checkServerIdentity: () => undefined });
    let out = '';
    s.setEncoding('utf8');
    s.on('data', (d: string) => (out += d));
    s.on('error', () => resolve(out ? out.trim() : 'closed'));
    s.on('close', () => resolve(out ? out.trim() : 'closed'));
  });
}

/** Sends raw bytes and reports what came back before the server closed: never a refused connection. */
export function rawExchange(port: number, bytes: Buffer): Promise<{ data: Buffer; refused: boolean }> {
  return new Promise((resolve) => {
    const s = netConnect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    let refused = false;
    s.on('data', (d: Buffer) => chunks.push(d));
    s.on('error', (e: NodeJS.ErrnoException) => (refused = e.code === 'ECONNREFUSED'));
    s.on('close', () => resolve({ data: Buffer.concat(chunks), refused }));
    s.on('connect', () => s.write(bytes));
  });
}

/** A UDP backend that answers each datagram with `<name>:<datagram>` from its own address. */
export async function udpBackend(name: string): Promise<{ port: number; close(): Promise<void> }> {
  const sock = createSocket('udp4');
  sock.on('message', (m, r) => sock.send(`${name}:${m.toString()}`, r.port, r.address));
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
  return { port: sock.address().port, close: () => new Promise((r) => sock.close(() => r())) };
}

/** One UDP client socket: send a datagram to 127.0.0.1:port and wait for the next reply (with where it came from). */
export async function udpClient(): Promise<{ ask(port: number, text: string): Promise<{ text: string; from: string }>; close(): void; sock: UdpSocket }> {
  const sock = createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
  return {
    sock,
    ask: (port, text) => new Promise((resolve) => {
      sock.once('message', (m, r) => resolve({ text: m.toString(), from: `${r.address}:${r.port}` }));
      sock.send(text, port, '127.0.0.1');
    }),
    close: () => sock.close(),
  };
}

export function l4Config(listeners: ir.Listener[], backends: Record<string, number>): ir.ProxyConfig {
  const clusters: Record<string, ir.BackendCluster> = {};
  for (const [name, port] of Object.entries(backends)) {
    clusters[name] = { name, protocol: 'http1', endpoints: [{ address: '127.0.0.1', port }], lb: 'RoundRobin' };
  }
  return { gateway: 'default/l4' as ir.GatewayKey, version: '', addresses: ['127.0.0.1'], listeners, backends: clusters };
}
