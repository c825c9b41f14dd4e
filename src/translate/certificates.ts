// certificateRefs of HTTPS and TLS-terminating listeners → key material for the IR, or the listener condition that says what is wrong.
// Pure: Secrets and ReferenceGrants come from the snapshot; certificates are parsed, never fetched.
import type * as core from '../api/core.ts';
import type * as gw from '../api/gateway.ts';
import { GROUP } from '../api/gateway.ts';
import type { Condition } from '../api/meta.ts';
import type { ResourceSnapshot } from '../api/snapshot.ts';
import type * as ir from '../ir/types.ts';
import { parseCertificateChain, tlsSecretProblem } from '../ir/validate.ts';
import * as c from '../status/conditions.ts';
import { FrontendResolver } from './frontend-tls.ts';

export const TLS_SECRET_TYPE = 'kubernetes.io/tls';

export type NamedSecret = { name: string; secret: ir.TlsSecret };

export type ResolvedCertificates =
  | { ok: true; secrets: NamedSecret[] }
  | { ok: false; condition: Condition; problem: string };

export type GrantFrom = { group: string; kind: string; namespace: string };
export type GrantTo = { group: string; kind: string; namespace: string; name: string };

/** True when a ReferenceGrant in `to.namespace` lets objects of `from` refer to the named object. */
export function referenceGranted(grants: readonly gw.ReferenceGrant[], from: GrantFrom, to: GrantTo): boolean {
  return grants.some((g) => g.metadata.namespace === to.namespace
    && (g.spec.from ?? []).some((f) => f.group === from.group && f.kind === from.kind && f.namespace === from.namespace)
    && (g.spec.to ?? []).some((t) => (t.group ?? '') === to.group && t.kind === to.kind && (!t.name || t.name === to.name)));
}

/** The IR name of a Secret's key material. */
export function secretName(namespace: string, name: string): string {
  return `Secret/${namespace}/${name}`;
}

export class CertificateResolver {
  private readonly secrets = new Map<string, core.Secret>();
  private readonly grants: readonly gw.ReferenceGrant[];
  /** CA certificates for client-certificate validation (spec.tls.frontend), from the same snapshot. */
  readonly frontend: FrontendResolver;

  constructor(s: Pick<ResourceSnapshot, 'secrets' | 'referenceGrants'> & Partial<Pick<ResourceSnapshot, 'configMaps'>>) {
    for (const secret of s.secrets) this.secrets.set(`${secret.metadata.namespace ?? 'default'}/${secret.metadata.name}`, secret);
    this.grants = s.referenceGrants;
    this.frontend = new FrontendResolver(s);
  }

  /**
   * Every ref must resolve: a listener serving with only some of its certificates would hide the broken one.
   * `fromKind`: whose listener it is, which is who a ReferenceGrant must allow (a Gateway's grant does not cover its
   * ListenerSets).
   */
  resolve(refs: readonly gw.SecretObjectReference[], gatewayNs: string, listener: string, gen: number, fromKind: 'Gateway' | 'ListenerSet' = 'Gateway'): ResolvedCertificates {
    const out: NamedSecret[] = [];
    for (const [i, ref] of refs.entries()) {
      const r = this.resolveOne(ref, gatewayNs, `listener ${listener} tls.certificateRefs[${i}]`, gen, fromKind);
      if (!r.ok) return r;
      if (!out.some((s) => s.name === r.secret.name)) out.push(r.secret);
    }
    return { ok: true, secrets: out };
  }

  private resolveOne(ref: gw.SecretObjectReference, gatewayNs: string, where: string, gen: number, fromKind: 'Gateway' | 'ListenerSet'):
    { ok: true; secret: NamedSecret } | { ok: false; condition: Condition; problem: string } {
    const group = ref.group ?? '';
    const kind = ref.kind ?? 'Secret';
    const ns = ref.namespace ?? gatewayNs;
    const label = `${where} (${ns}/${ref.name})`;
    const invalid = (detail: string) => ({ ok: false as const, condition: c.listenerInvalidCertificateRef(gen, `${label}: ${detail}`), problem: `${label}: ${detail}` });
    if (group !== '' || kind !== 'Secret') {
      return invalid(`kind ${group ? `${group}/` : ''}${kind} is not supported; refer to a core Secret (group "", kind Secret) of type ${TLS_SECRET_TYPE}`);
    }
    if (ns !== gatewayNs && !referenceGranted(this.grants,
      { group: GROUP, kind: fromKind, namespace: gatewayNs }, { group: '', kind: 'Secret', namespace: ns, name: ref.name })) {
      const detail = `the Secret is in another namespace and no ReferenceGrant in namespace ${ns} allows ${fromKind}s from namespace ${gatewayNs} to refer to Secret ${ref.name}; add one, or move the Secret to namespace ${gatewayNs}`;
      return { ok: false, condition: c.listenerRefNotPermitted(gen, `${label}: ${detail}`), problem: `${label}: ${detail}` };
    }
    const secret = this.secrets.get(`${ns}/${ref.name}`);
    if (!secret) return invalid(`Secret ${ns}/${ref.name} not found; create it or fix the name`);
    const type = secret.type ?? 'Opaque';
    if (type !== TLS_SECRET_TYPE) return invalid(`Secret ${ns}/${ref.name} has type ${type}; use type ${TLS_SECRET_TYPE} with tls.crt and tls.key`);
    const pair = keyPair(secret);
    if ('problem' in pair) return invalid(pair.problem);
    return { ok: true, secret: { name: secretName(ns, ref.name), secret: pair } };
  }
}

/** The certificate chain and key of a TLS Secret, normalised, or what is wrong with them and how to fix it. */
export function keyPair(secret: core.Secret): ir.TlsSecret | { problem: string } {
  const id = `Secret ${secret.metadata.namespace ?? 'default'}/${secret.metadata.name}`;
  const certificate = field(secret, 'tls.crt');
  const privateKey = field(secret, 'tls.key');
  if (!certificate || !privateKey) return { problem: `${id} lacks ${!certificate ? 'tls.crt' : 'tls.key'}; put the PEM certificate chain in tls.crt and its key in tls.key` };
  const problem = tlsSecretProblem(certificate, privateKey);
  if (problem) return { problem: `${id}: ${problem}; store a PEM certificate chain (leaf first) in tls.crt and its unencrypted key in tls.key` };
  return { certificate: parseCertificateChain(certificate).join('\n') + '\n', privateKey: privateKey.trim() + '\n' };
}

/** stringData wins over data, as the API server merges them on write (file sources may still carry stringData). */
export function field(secret: core.Secret, key: string): string | undefined {
  const plain = secret.stringData?.[key];
  if (plain !== undefined) return plain;
  const encoded = secret.data?.[key];
  return encoded === undefined ? undefined : Buffer.from(encoded, 'base64').toString('utf8');
}
