// Binding a pod's sockets on its own IP and tearing them down with every connection still open: a pod that goes
// away takes its connections with it, as a killed container would.

import dgram from 'node:dgram';
import type net from 'node:net';
import type { Pod } from './types.ts';

function bindError(pod: Pod, what: string, address: string, err: NodeJS.ErrnoException): Error {
  const hint =
    err.code === 'EADDRINUSE'
      ? 'something else holds that address (a Gateway listener, or a pod that had this IP before and was not closed)'
      : err.code === 'EADDRNOTAVAIL'
        ? 'that IP is not on any local interface; add it (e.g. to lo) before the pod is played'
        : err.code === 'EACCES'
          ? 'the port is privileged; run with CAP_NET_BIND_SERVICE or lower net.ipv4.ip_unprivileged_port_start'
          : 'see the error code';
  return new Error(`${what} of pod ${pod.namespace}/${pod.name} cannot listen on ${address}: ${err.message}; ${hint}`, {
    cause: err,
  });
}

function hostPort(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** Listens on `pod.ip:port`; resolves to a closer that stops accepting and destroys every open connection. */
export async function listenTcp(pod: Pod, what: string, server: net.Server, port: number): Promise<() => Promise<void>> {
  const sockets = new Set<net.Socket>();
  server.on('connection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => reject(bindError(pod, what, hostPort(pod.ip, port), err));
    server.once('error', onError);
    server.listen({ host: pod.ip, port, exclusive: true }, () => {
      server.off('error', onError);
      resolve();
    });
  });
  server.on('error', (err) => pod.log(`${what}: server error: ${err.message}`));
  return () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const socket of sockets) socket.destroy();
    });
}

/** Binds a UDP socket on `pod.ip:port` (one per IP, so replies leave from the address the client sent to). */
export async function bindUdp(pod: Pod, what: string, port: number): Promise<dgram.Socket> {
  const socket = dgram.createSocket({ type: pod.ip.includes(':') ? 'udp6' : 'udp4' });
  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      void closeUdp(socket);
      reject(bindError(pod, what, `${hostPort(pod.ip, port)}/udp`, err));
    };
    socket.once('error', onError);
    socket.bind({ address: pod.ip, port, exclusive: true }, () => {
      socket.off('error', onError);
      resolve();
    });
  });
  socket.on('error', (err) => pod.log(`${what}: socket error: ${err.message}`));
  return socket;
}

export function closeUdp(socket: dgram.Socket): Promise<void> {
  return new Promise((resolve) => {
    try {
      socket.close(() => resolve());
    } catch {
      resolve(); // already closed
    }
  });
}

export { hostPort };
