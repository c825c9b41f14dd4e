// The `tls` object of the echo body (Go's tls.ConnectionState as echo-basic reports it), and the
// per-connection TLS setup of the HTTPS port with the pod's key pair read at accept time.
import tls from 'node:tls';
import type { Socket } from 'node:net';
import http2 from 'node:http2';
import { pemEncode } from './go-compat.ts';
import type { TlsAssertions } from './echo-request.ts';

/** crypto/tls's default suites (no RSA key exchange, no DHE), so negotiation picks what Go would offer. */
const GO_CIPHERS = [
  'TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256',
  'ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES128-GCM-SHA256', 'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384', 'ECDHE-ECDSA-CHACHA20-POLY1305', 'ECDHE-RSA-CHACHA20-POLY1305',
  'ECDHE-ECDSA-AES128-SHA', 'ECDHE-RSA-AES128-SHA', 'ECDHE-ECDSA-AES256-SHA', 'ECDHE-RSA-AES256-SHA',
].join(':');

/** The client's certificates as sent (leaf first); roots Node adds from our own trust store are left out. */
function peerChain(sock: tls.TLSSocket): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  let cert = sock.getPeerCertificate(true) as tls.DetailedPeerCertificate | Record<string, never>;
  while (cert && 'raw' in cert && cert.raw && !seen.has(cert.fingerprint256)) {
    seen.add(cert.fingerprint256);
    const selfSigned = cert.issuerCertificate === cert || cert.issuerCertificate?.fingerprint256 === cert.fingerprint256;
    if (out.length > 0 && selfSigned) break;
    out.push(pemEncode('CERTIFICATE', cert.raw));
    cert = cert.issuerCertificate;
  }
  return out;
}

export function tlsAssertions(sock: tls.TLSSocket): TlsAssertions {
  const cipher = sock.getCipher();
  const servername = (sock as unknown as { servername?: string | false }).servername;
  return {
    version: sock.getProtocol() ?? '',
    peerCertificates: peerChain(sock),
    serverName: typeof servername === 'string' ? servername : '',
    negotiatedProtocol: typeof sock.alpnProtocol === 'string' ? sock.alpnProtocol : '',
    cipherSuite: cipher?.standardName ?? cipher?.name ?? '',
  };
}

export type TlsMaterial = { cert: string; key: string; ca?: string };

/**
 * The HTTPS port's TLS server as Go's would be: ALPN h2 and http/1.1 on one HTTP/2 secure server (HTTP/1
 * allowed), and with a CA VerifyClientCertIfGiven — a client certificate is asked for, and one that fails
 * verification ends the connection. The key pair is read per accepted connection (`accept`), because the
 * suite creates the Secrets after the Deployments and may replace them.
 */
export function tlsFront(requestCert: boolean, onError: (err: Error) => void): { server: http2.Http2SecureServer; accept(raw: Socket, m: TlsMaterial): void } {
  const server = http2.createSecureServer({
    allowHTTP1: true,
    ALPNProtocols: ['h2', 'http/1.1'],
    requestCert,
    rejectUnauthorized: false,
    ciphers: GO_CIPHERS,
    minVersion: 'TLSv1.2',
  });
  server.on('tlsClientError', (err: Error) => onError(err));
  server.on('secureConnection', (sock: tls.TLSSocket) => {
    const hasCert = requestCert && Object.keys(sock.getPeerCertificate()).length > 0;
    if (hasCert && !sock.authorized) {
      onError(new Error(`client certificate rejected: ${String(sock.authorizationError)}`));
      sock.destroy();
    }
  });
  let current = '';
  return {
    server,
    accept(raw, m) {
      const id = `${m.cert}\0${m.key}\0${m.ca ?? ''}`;
      if (id !== current) {
        server.setSecureContext({ cert: m.cert, key: m.key, ca: m.ca, ciphers: GO_CIPHERS, minVersion: 'TLSv1.2' });
        current = id;
      }
      server.emit('connection', raw);
    },
  };
}
