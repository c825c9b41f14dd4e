// TLS to backends (BackendTLSPolicy): undici connect options and the server identity check the policy asks for.
import { createHash } from 'node:crypto';
import { checkServerIdentity, getCACertificates, type ConnectionOptions, type PeerCertificate } from 'node:tls';
import type * as ir from '../ir/types.ts';

/**
 * A digest of everything that shapes the TLS connection, so that endpoints reached with different settings (another
 * SNI, CA or client certificate) get their own pool, and a changed CA bundle gets fresh connections.
 */
export function tlsKey(tls: ir.BackendTls): string {
  const h = createHash('sha256');
  for (const part of [tls.serverName, tls.caCertificates ?? '(system)', JSON.stringify(tls.subjectAltNames),
    tls.clientCertificate?.certificate ?? '', tls.clientCertificate?.privateKey ?? '', tls.invalid ?? '']) h.update(part).update('\0');
  return h.digest('hex').slice(0, 16);
}

/** For undici's `connect` option: the handshake fails (and the request answers 502) unless the backend proves itself. */
export function tlsConnectOptions(tls: ir.BackendTls): ConnectionOptions {
  return {
    servername: tls.serverName,
    rejectUnauthorized: true,
    minVersion: 'TLSv1.2',
    ca: tls.caCertificates ?? wellKnownRoots(),
    ...(tls.clientCertificate ? { cert: tls.clientCertificate.certificate, key: tls.clientCertificate.privateKey } : {}),
    checkServerIdentity: (_host: string, cert: PeerCertificate) => identityProblem(tls, cert),
  };
}

let roots: string[] | undefined;

/**
 * `wellKnownCACertificates: System`: Node's own roots (bundled, plus NODE_EXTRA_CA_CERTS) and the operating system's
 * store, which Node leaves out unless started with --use-system-ca. Read once: the OS store is slow to load.
 */
function wellKnownRoots(): string[] {
  roots ??= [...new Set([...getCACertificates('default'), ...getCACertificates('system')])];
  return roots;
}

/** The spec: with subjectAltNames, one of them must be in the certificate and the hostname is not checked. */
export function identityProblem(tls: ir.BackendTls, cert: PeerCertificate): Error | undefined {
  if (tls.subjectAltNames.length === 0) return checkServerIdentity(tls.serverName, cert);
  const uris = certificateUris(cert);
  for (const san of tls.subjectAltNames) {
    if (san.type === 'URI' ? uris.includes(san.value) : checkServerIdentity(san.value, cert) === undefined) return undefined;
  }
  const wanted = tls.subjectAltNames.map((s) => `${s.type === 'URI' ? 'URI' : 'DNS'}:${s.value}`).join(', ');
  return Object.assign(new Error(`backend certificate has none of the subjectAltNames of BackendTLSPolicy ${tls.policy} (${wanted}); it has ${cert.subjectaltname ?? 'none'}`), {
    code: 'ERR_TLS_CERT_ALTNAME_INVALID',
  });
}

/** URI entries of `subjectaltname` ("DNS:a, URI:spiffe://x"); Node quotes entries holding a comma or quote as JSON. */
function certificateUris(cert: PeerCertificate): string[] {
  const out: string[] = [];
  for (const m of (cert.subjectaltname ?? '').matchAll(/(?:^|, )URI:("(?:[^"\\]|\\.)*"|[^,]*)/g)) {
    const raw = m[1]!;
    try {
      out.push(raw.startsWith('"') ? (JSON.parse(raw) as string) : raw);
    } catch {
      // An entry Node escaped in a way JSON does not read cannot equal a policy's URI.
    }
  }
  return out;
}
