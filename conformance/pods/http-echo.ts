// echo-basic's HTTP mode for one pod: HTTP/1.1 on $HTTP_PORT, h2c on $H2C_PORT and, when the pod names a
// key pair, HTTPS with ALPN h2/http1.1 on $HTTPS_PORT — every socket bound to the pod IP only.
import net from 'node:net';
import { attachH1, attachH2, createH1, createH2 } from './http-front.ts';
import { isWebSocketRoute, newEchoState, serveH2c, serveMux } from './echo-mux.ts';
import { tlsFront, type TlsMaterial } from './tls-info.ts';
import { logEvent } from './log.ts';
import type { Pod, PodServer } from './types.ts';

function port(pod: Pod, name: string, fallback: number): number {
  const v = pod.env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`pod ${pod.namespace}/${pod.name}: ${name}=${JSON.stringify(v)} is not a port number (0-65535); fix the Deployment's env`);
  return n;
}

/** A listening TCP server whose accepted sockets are remembered so close() can end them all. */
function tracked(onSocket: (s: net.Socket) => void): { server: net.Server; sockets: Set<net.Socket> } {
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ noDelay: true }, (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => s.destroy());
    onSocket(s);
  });
  return { server, sockets };
}

function listen(server: net.Server, ip: string, p: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen({ host: ip, port: p, exclusive: true }, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

/** The servers of one pod; `ports` are the bound ports (useful when the env asked for port 0). */
export type HttpEchoServer = PodServer & { ports: { http: number; h2c: number; https?: number } };

export async function startHttpEcho(pod: Pod): Promise<HttpEchoServer> {
  const who = { pod: `${pod.namespace}/${pod.name}` };
  const onError = (err: Error) => logEvent('warn', `http echo: ${err.message}`, who);
  const httpPort = port(pod, 'HTTP_PORT', 3000);
  const h2cPort = port(pod, 'H2C_PORT', 3001);
  const httpsPort = port(pod, 'HTTPS_PORT', 8443);
  const state = newEchoState();
  const mux = (r: Parameters<typeof serveMux>[2], hijack: boolean) => serveMux(pod, state, r, hijack);

  const main = createH1({ pod, serve: mux, upgradeIf: isWebSocketRoute, onError });
  const listeners = [{ ...tracked((s) => main.emit('connection', s)), port: httpPort, kind: 'http' }];

  const h2cH1 = createH1({ pod, serve: (r) => serveH2c(pod, r), onError });
  const h2cH2 = createH2({ serve: (r) => serveH2c(pod, r), onError });
  const dispatch = (s: net.Socket) => {
    // Prior knowledge starts with the HTTP/2 preface `PRI * HTTP/2.0`; anything else is HTTP/1.
    s.once('data', (chunk: Buffer) => {
      s.pause();
      s.unshift(chunk);
      if (chunk.subarray(0, 4).toString('latin1') === 'PRI ') h2cH2.emit('connection', s);
      else {
        h2cH1.emit('connection', s);
        s.resume();
      }
    });
  };
  listeners.push({ ...tracked(dispatch), port: h2cPort, kind: 'h2c' });

  const certPath = pod.env.TLS_SERVER_CERT ?? '';
  const keyPath = pod.env.TLS_SERVER_PRIVKEY ?? '';
  if (certPath !== '' && keyPath !== '') {
    const caPath = pod.env.TLS_CLIENT_CACERTS ?? '';
    const front = tlsFront(caPath !== '', (err) => onError(new Error(`TLS on port ${httpsPort}: ${err.message}`)));
    attachH1(front.server, { pod, serve: mux, onError });
    attachH2(front.server, { serve: mux, onError });
    let lastProblem = '';
    const material = (): TlsMaterial | string => {
      const cert = pod.readFile(certPath);
      const key = pod.readFile(keyPath);
      const ca = caPath === '' ? undefined : pod.readFile(caPath);
      if (cert === undefined || key === undefined) return `TLS_SERVER_CERT ${certPath} or TLS_SERVER_PRIVKEY ${keyPath} is not in any mounted Secret/ConfigMap yet`;
      if (caPath !== '' && ca === undefined) return `TLS_CLIENT_CACERTS ${caPath} is not in any mounted Secret/ConfigMap yet`;
      return { cert, key, ca };
    };
    const accept = (s: net.Socket) => {
      const m = material();
      if (typeof m === 'string') {
        // A real pod would still be waiting for its volume: refuse, and say why once.
        if (m !== lastProblem) logEvent('warn', `https port ${httpsPort}: ${m}; closing connection`, who);
        lastProblem = m;
        return void s.destroy();
      }
      lastProblem = '';
      try {
        front.accept(s, m);
      } catch (err) {
        onError(new Error(`TLS on port ${httpsPort}: cannot use the pod's key pair: ${(err as Error).message}`));
        s.destroy();
      }
    };
    listeners.push({ ...tracked(accept), port: httpsPort, kind: 'https' });
  }

  const close = async () => {
    await Promise.all(
      listeners.map(
        (l) =>
          new Promise<void>((resolve) => {
            for (const s of l.sockets) s.destroy();
            if (l.server.listening) l.server.close(() => resolve());
            else resolve();
          }),
      ),
    );
  };
  const ports: Record<string, number> = {};
  try {
    for (const l of listeners) {
      await listen(l.server, pod.ip, l.port);
      ports[l.kind] = (l.server.address() as net.AddressInfo).port;
      pod.log(`Starting server, listening on port ${l.port} (${l.kind})`);
    }
  } catch (err) {
    await close();
    throw new Error(`pod ${pod.namespace}/${pod.name}: cannot listen on ${pod.ip}: ${(err as Error).message}`);
  }
  return { close, ports: { http: ports.http!, h2c: ports.h2c!, https: ports.https } };
}
