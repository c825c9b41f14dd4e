// Keeps the config server's certificate in a Secret of the controller's namespace, so every replica serves the same
// one and the CA survives restarts (proxies already trust it through their CA ConfigMap).
import { certProblem, issue, type ServingCert } from './certs.ts';

export type SecretClient = {
  request<T = unknown>(method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown): Promise<T>;
};

type SecretObject = { metadata: { name: string; namespace: string; resourceVersion?: string }; data?: Record<string, string> };

const b64 = (s: string) => Buffer.from(s).toString('base64');
const unb64 = (s: string | undefined) => Buffer.from(s ?? '', 'base64').toString('utf8');

export type EnsureResult = { cert: ServingCert; action: 'kept' | 'created' | 'renewed'; why?: string };

/** Reads the Secret `ns/name`; creates it, or renews its serving certificate (same CA), when needed. */
export async function ensureServingSecret(client: SecretClient, ns: string, name: string, hosts: readonly string[], openssl?: string): Promise<EnsureResult> {
  const path = `/api/v1/namespaces/${encodeURIComponent(ns)}/secrets`;
  for (let attempt = 0; ; attempt++) {
    let live: SecretObject | null = null;
    try {
      live = await client.request<SecretObject>('GET', `${path}/${encodeURIComponent(name)}`);
    } catch (err) {
      if ((err as { code?: number }).code !== 404) throw new Error(`cannot read Secret ${ns}/${name}: ${(err as Error).message}${hint(err)}`);
    }
    const have: ServingCert | null = live?.data?.['ca.crt'] && live.data['ca.key']
      ? { caCert: unb64(live.data['ca.crt']), caKey: unb64(live.data['ca.key']), cert: unb64(live.data['tls.crt']), key: unb64(live.data['tls.key']) }
      : null;
    const why = have ? certProblem(have, hosts) : 'it does not exist';
    if (have && why === null) return { cert: have, action: 'kept' };
    // A CA that has expired or does not parse is replaced with the certificate; otherwise proxies keep trusting it.
    const keepCa = have && !/CA has expired|cannot be parsed|not signed/.test(why!) ? have : null;
    const cert = await issue(hosts, keepCa, openssl);
    const body = {
      apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/tls',
      metadata: { name, namespace: ns, labels: { 'app.kubernetes.io/managed-by': 'portico' }, ...(live?.metadata.resourceVersion ? { resourceVersion: live.metadata.resourceVersion } : {}) },
      data: { 'ca.crt': b64(cert.caCert), 'ca.key': b64(cert.caKey), 'tls.crt': b64(cert.cert), 'tls.key': b64(cert.key) },
    };
    try {
      if (live) await client.request('PUT', `${path}/${encodeURIComponent(name)}`, body);
      else await client.request('POST', path, body);
      return { cert, action: live ? 'renewed' : 'created', why: why! };
    } catch (err) {
      // Another replica wrote it first: use theirs.
      if ((err as { code?: number }).code === 409 && attempt < 3) continue;
      throw new Error(`cannot ${live ? 'update' : 'create'} Secret ${ns}/${name}: ${(err as Error).message}${hint(err)}`);
    }
  }
}

function hint(err: unknown): string {
  return (err as { code?: number }).code === 403
    ? '; the controller needs get, create and update on secrets in its own namespace (the chart\'s -config-server Role)'
    : '';
}
