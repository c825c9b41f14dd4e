// Helpers for HTTPS data-plane tests: throwaway certificates from openssl, HTTPS IR, and TLS clients on 127.0.0.1.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpsRequest, type Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type PeerCertificate, type TLSSocket } from 'node:tls';
import type * as ir from '../../src/ir/types.ts';
import { config, lhost, route, vhost } from './ir-builders.ts';

export type Pair = { certificate: string; privateKey: string };

/** A self-signed P-256 certificate for `cn` with `names` as DNS SANs (P-256: fast to make on a loaded machine). */
export function makeCert(cn: string, names: string[] = [cn]): Pair {
  const dir = mkdtempSync(join(tmpdir(), 'portico-cert-'));
  try {
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '2',
      '-subj', `/CN=${cn}`, '-addext', `subjectAltName=${names.map((n) => `DNS:${n}`).join(',')}`,
    ], { stdio: 'ignore' });
    return { certificate: readFileSync(join(dir, 'cert.pem'), 'utf8'), privateKey: readFileSync(join(dir, 'key.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export type HttpsHost = { listener: string; hostname: string | null; pair: Pair; routes?: ir.HttpRoute[] };

/** One HTTPS port; hosts must be listed most specific first, as the translator emits them. */
export function httpsConfig(port: number, hosts: HttpsHost[], backends: Record<string, ir.Endpoint[]> = {}): ir.ProxyConfig {
  const base = config({ listeners: [], backends });
  const secrets: Record<string, ir.TlsSecret> = {};
  const listener: ir.HttpsListener = {
    protocol: 'HTTPS',
    port,
    hosts: hosts.map((h) => lhost(h.listener, h.hostname, [vhost(h.hostname ?? '*', h.routes ?? [route(h.listener, { action: { type: 'DirectResponse', status: 200, body: h.listener } })])])),
    certificates: hosts.map((h) => {
      secrets[`Secret/default/${h.listener}`] = h.pair;
      return { listener: h.listener, hostname: h.hostname, secretNames: [`Secret/default/${h.listener}`] };
    }),
  };
  return { ...base, listeners: [listener], secrets };
}

/** The certificate the server presents for `servername` (undefined: no SNI is sent), and the ALPN it chose. */
export function handshake(port: number, servername?: string, ALPNProtocols?: string[]): Promise<{ cert: PeerCertificate; alpn: string | false }> {
  return new Promise((resolve, reject) => {
    const socket: TLSSocket = connect({ host: '127.0.0.1', port, servername, rejectUnauthorized: false, ALPNProtocols }, () => {
      const cert = socket.getPeerCertificate();
      const alpn = socket.alpnProtocol ?? false;
      socket.end();
      resolve({ cert, alpn });
    });
    socket.once('error', reject);
  });
}

export type HttpsResponse = { status: number; body: string; cn: string; reused: boolean };

/** GET over TLS with SNI and Host `host`; the server certificate is verified against `ca`. */
export function get(port: number, host: string, path: string, ca: string, agent?: Agent): Promise<HttpsResponse> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: '127.0.0.1', port, path, servername: host, headers: { host }, ca, agent: agent ?? false }, (res) => {
      const cn = String((res.socket as TLSSocket).getPeerCertificate().subject?.CN ?? '');
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, cn, reused: req.reusedSocket }));
    });
    req.once('error', reject);
    req.end();
  });
}
