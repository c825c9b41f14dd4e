// A pod's server key pair, read from its Secret volume when a connection arrives: the suite creates the TLS
// Secrets after the Deployments, so the files may be missing when the pod starts and appear (or change) later.

import type net from 'node:net';
import tls from 'node:tls';
import type { Pod } from './types.ts';

/** One readable, valid key pair; the same object is returned while the files do not change. */
export type KeyPair = { cert: string; key: string; context: tls.SecureContext };

export type KeyPairSource = {
  /** The current key pair, or why there is none (files not there yet, or not a key pair). */
  current(): KeyPair | Error;
};

export const TLS_MIN_VERSION = 'TLSv1.2';

/**
 * The key pair named by two env vars (paths inside the container), or undefined when either is unset or empty:
 * the echo server then runs no TLS listener at all.
 */
export function keyPairFromEnv(pod: Pod, certEnv: string, keyEnv: string): KeyPairSource | undefined {
  const certPath = pod.env[certEnv];
  const keyPath = pod.env[keyEnv];
  if (!certPath || !keyPath) return undefined;
  let cached: KeyPair | undefined;
  return {
    current() {
      const cert = pod.readFile(certPath);
      const key = pod.readFile(keyPath);
      if (cert === undefined || key === undefined) {
        const missing = cert === undefined ? `${certEnv}=${certPath}` : `${keyEnv}=${keyPath}`;
        return new Error(
          `pod ${pod.namespace}/${pod.name}: ${missing} is not readable (its Secret or ConfigMap volume has no such ` +
            `file yet); closing the TLS connection, the client may retry once the Secret exists`,
        );
      }
      if (cached && cached.cert === cert && cached.key === key) return cached;
      try {
        const context = tls.createSecureContext({ cert, key, minVersion: TLS_MIN_VERSION });
        cached = { cert, key, context };
        return cached;
      } catch (err) {
        return new Error(
          `pod ${pod.namespace}/${pod.name}: ${certEnv}=${certPath} and ${keyEnv}=${keyPath} are not a usable PEM ` +
            `certificate and matching private key (${(err as Error).message}); fix the Secret the volume mounts`,
        );
      }
    },
  };
}

/**
 * Runs the server side of a TLS handshake on an accepted TCP socket (no ALPN, like Go's `tls.Listen` without
 * NextProtos). Resolves with the secured socket, or with
 * undefined (after logging why and destroying the socket) when there is no key pair or the handshake fails.
 */
export function acceptTls(pod: Pod, what: string, raw: net.Socket, keyPair: KeyPairSource): Promise<tls.TLSSocket | undefined> {
  const pair = keyPair.current();
  if (pair instanceof Error) {
    pod.log(`${what}: ${pair.message}`);
    raw.destroy();
    return Promise.resolve(undefined);
  }
  const socket = new tls.TLSSocket(raw, { isServer: true, secureContext: pair.context });
  return new Promise((resolve) => {
    const fail = (reason: string) => {
      pod.log(`${what}: TLS handshake failed: ${reason}`);
      socket.destroy();
      resolve(undefined);
    };
    const onError = (err: Error) => fail(err.message);
    const onClose = () => fail('the client closed the connection during the handshake');
    socket.once('error', onError);
    socket.once('close', onClose);
    socket.once('secure', () => {
      socket.off('error', onError);
      socket.off('close', onClose);
      resolve(socket);
    });
  });
}

/** The SNI the client sent ("" without one), as Go's `ConnectionState.ServerName`. */
export function serverNameOf(socket: tls.TLSSocket): string {
  const name = (socket as tls.TLSSocket & { servername?: string | false }).servername;
  return typeof name === 'string' ? name : '';
}

/** The ALPN protocol chosen ("" without one), as Go's `ConnectionState.NegotiatedProtocol`. */
export function alpnOf(socket: tls.TLSSocket): string {
  return typeof socket.alpnProtocol === 'string' ? socket.alpnProtocol : '';
}
