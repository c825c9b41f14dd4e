// Gateway spec.tls.backend.clientCertificateRef → the certificate the proxy presents to TLS backends, and the
// Gateway's ResolvedRefs condition (InvalidClientCertificateRef, RefNotPermitted) when it cannot be used.
import type * as core from '../api/core.ts';
import type * as gw from '../api/gateway.ts';
import { GROUP } from '../api/gateway.ts';
import type { Condition } from '../api/meta.ts';
import type { ResourceSnapshot } from '../api/snapshot.ts';
import type * as ir from '../ir/types.ts';
import * as c from '../status/conditions.ts';
import { keyPair, referenceGranted } from './certificates.ts';

export type ClientCertificate = { condition: Condition; secret?: ir.TlsSecret };

export class ClientCertificates {
  readonly #secrets = new Map<string, core.Secret>();
  readonly #grants: readonly gw.ReferenceGrant[];

  constructor(s: Pick<ResourceSnapshot, 'secrets' | 'referenceGrants'>) {
    for (const x of s.secrets) this.#secrets.set(`${x.metadata.namespace ?? 'default'}/${x.metadata.name}`, x);
    this.#grants = s.referenceGrants;
  }

  /** Undefined when the Gateway asks for no client certificate (it then carries no ResolvedRefs condition of ours). */
  resolve(g: gw.Gateway): ClientCertificate | undefined {
    const ref = g.spec.tls?.backend?.clientCertificateRef;
    if (!ref) return undefined;
    const gen = g.metadata.generation ?? 1;
    const gatewayNs = g.metadata.namespace ?? 'default';
    const group = ref.group ?? '';
    const kind = ref.kind ?? 'Secret';
    const ns = ref.namespace ?? gatewayNs;
    const label = `spec.tls.backend.clientCertificateRef (${group ? `${group}/` : ''}${kind} ${ns}/${ref.name})`;
    const invalid = (detail: string) => ({ condition: c.gatewayInvalidClientCertificateRef(gen, `${label}: ${detail}`) });
    if (ns !== gatewayNs && !referenceGranted(this.#grants,
      { group: GROUP, kind: 'Gateway', namespace: gatewayNs }, { group, kind, namespace: ns, name: ref.name })) {
      return { condition: c.gatewayRefNotPermitted(gen, `${label}: it is in another namespace and no ReferenceGrant in namespace ${ns} allows Gateways from namespace ${gatewayNs} to refer to it; add one, or move the Secret to namespace ${gatewayNs}`) };
    }
    if (group !== '' || kind !== 'Secret') return invalid(`kind ${group ? `${group}/` : ''}${kind} is not supported; refer to a core Secret of type kubernetes.io/tls`);
    const secret = this.#secrets.get(`${ns}/${ref.name}`);
    if (!secret) return invalid(`Secret ${ns}/${ref.name} not found; create it or fix the name`);
    const pair = keyPair(secret);
    if ('problem' in pair) return invalid(pair.problem);
    return { condition: c.gatewayResolvedRefs(gen), secret: pair };
  }
}

/**
 * A copy of `config` whose TLS clusters present `secret`. Clusters are copied, never changed in place: the resolver
 * shares them between the configs of every Gateway using the same Service port.
 */
export function withClientCertificate(config: ir.ProxyConfig, secret: ir.TlsSecret | undefined): ir.ProxyConfig {
  if (!secret || !Object.values(config.backends).some((b) => b.tls)) return config;
  const backends: Record<string, ir.BackendCluster> = {};
  for (const [name, b] of Object.entries(config.backends)) backends[name] = b.tls ? { ...b, tls: { ...b.tls, clientCertificate: secret } } : b;
  return { ...config, backends };
}
