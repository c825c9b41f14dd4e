// echo-basic in TCP mode (TCP_ECHO_SERVER set), played on one pod's IP: a welcome line, then line commands
// (TEST, IS_TLS, PING) answered as the real tcpserver does, in plain text on TCP_PORT and over TLS on TLS_PORT.

import net from 'node:net';
import type tls from 'node:tls';
import { envPort, goJson, goTlsVersionName } from './go-formats.ts';
import { listenTcp } from './listening.ts';
import { acceptTls, alpnOf, keyPairFromEnv, serverNameOf } from './tls-material.ts';
import type { Pod, PodServer } from './types.ts';

export const TCP_WELCOME = 'Gateway API Test TCP Server\n';

// bufio.Scanner's default token limit: a longer line ends the connection.
const MAX_LINE = 64 * 1024;

type TcpAssertions = {
  namespace: string;
  ingress: string;
  service: string;
  pod: string;
  tcpport: string;
  tlsport?: string;
  isTLS: boolean;
  tls?: { version: string; serverName: string; negotiatedProtocol?: string; cipherSuite: string };
};

function assertions(pod: Pod, tcpPort: number, tlsPort: number, socket: tls.TLSSocket | undefined): TcpAssertions {
  const out: TcpAssertions = {
    namespace: pod.env.NAMESPACE ?? '',
    ingress: pod.env.INGRESS_NAME ?? '',
    service: pod.env.SERVICE_NAME ?? '',
    pod: pod.env.POD_NAME ?? '',
    tcpport: String(tcpPort),
    tlsport: String(tlsPort),
    isTLS: socket !== undefined,
  };
  if (socket) {
    // Go also reports `curves` (the key-exchange group); Node has no server-side API for it, so it is left out
    // (it is `omitempty` in Go, and the suite never reads it).
    const negotiatedProtocol = alpnOf(socket);
    out.tls = {
      version: goTlsVersionName(socket.getProtocol()),
      serverName: serverNameOf(socket),
      ...(negotiatedProtocol ? { negotiatedProtocol } : {}),
      cipherSuite: socket.getCipher()?.standardName ?? '',
    };
  }
  return out;
}

/** Answers one connection (already past its TLS handshake, if any) until the client closes it. */
function converse(socket: net.Socket, isTLS: boolean, testPayload: string): void {
  socket.on('error', () => socket.destroy());
  socket.write(TCP_WELCOME);
  let pending = '';
  const answer = (line: string) => {
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (line === 'TEST') socket.write(`${testPayload}\n`);
    else if (line === 'IS_TLS') socket.write(`${isTLS}\n`);
    else if (line === 'PING') socket.write('PONG\n');
  };
  socket.setEncoding('latin1'); // byte-exact: commands are ASCII, anything else is ignored as Go does
  socket.on('data', (chunk: string) => {
    pending += chunk;
    let nl: number;
    while ((nl = pending.indexOf('\n')) !== -1) {
      answer(pending.slice(0, nl));
      pending = pending.slice(nl + 1);
    }
    if (pending.length > MAX_LINE) socket.destroy();
  });
  socket.on('end', () => {
    // bufio.Scanner hands over a last line without a newline before reporting EOF.
    if (pending !== '') answer(pending);
    socket.end();
  });
}

export async function startTcpEcho(pod: Pod): Promise<PodServer> {
  const tcpPort = envPort(pod, 'TCP_PORT', 3000);
  const tlsPort = envPort(pod, 'TLS_PORT', 8443);
  const keyPair = keyPairFromEnv(pod, 'TLS_SERVER_CERT', 'TLS_SERVER_PRIV_KEY');
  const plainPayload = goJson(assertions(pod, tcpPort, tlsPort, undefined));

  const closers: Array<() => Promise<void>> = [];
  const closeAll = () => Promise.all(closers.map((close) => close())).then(() => undefined);
  try {
    const plain = net.createServer({ allowHalfOpen: true }, (socket) => converse(socket, false, plainPayload));
    closers.push(await listenTcp(pod, 'tcp echo (plain)', plain, tcpPort));
    pod.log(`INFO Starting server (tcp) protocol=tcp port=${tcpPort}`);
    if (keyPair) {
      const secure = net.createServer({ allowHalfOpen: true }, (raw) => {
        void acceptTls(pod, 'tcp echo (tls)', raw, keyPair).then((socket) => {
          if (socket) converse(socket, true, goJson(assertions(pod, tcpPort, tlsPort, socket)));
        });
      });
      closers.push(await listenTcp(pod, 'tcp echo (tls)', secure, tlsPort));
      pod.log(`INFO Starting server (tcp) protocol=tls port=${tlsPort}`);
    }
  } catch (err) {
    await closeAll();
    throw err;
  }
  return { close: closeAll };
}
