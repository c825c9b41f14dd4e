// Gateway spec.tls.frontend → client-certificate validation per HTTPS port, or the listener conditions that say why
// it cannot be set up. A port's perPort entry wins over the default; every HTTPS listener of the port shares it.
// Pure: CA certificates come from ConfigMaps and Secrets of the snapshot (key ca.crt), parsed, never fetched.
import { X509Certificate } from 'node:crypto';
import type * as core from '../api/core.ts';
import type * as gw from '../api/gateway.ts';
import { GROUP } from '../api/gateway.ts';
import type { Condition } from '../api/meta.ts';
import type { ResourceSnapshot } from '../api/snapshot.ts';
import type * as ir from '../ir/types.ts';
import { parseCertificateChain } from '../ir/validate.ts';
import * as c from '../status/conditions.ts';
import { referenceGranted } from './certificates.ts';

import type { FrontendTLSConfig, FrontendValidationSpec, ObjectReference } from '../api/gateway.ts';

export const CA_KEY = 'ca.crt';

export type FrontendResult = {
  validation?: ir.ClientValidation;
  /** ResolvedRefs=False when some reference is bad. */
  refsCondition?: Condition;
  /** Accepted=False (NoValidCACertificate) when none is good: the listener is not served. */
  notAccepted?: Condition;
  problem?: string;
};

export function frontendOf(g: gw.Gateway): FrontendTLSConfig | undefined {
  return g.spec.tls?.frontend;
}

/** Where the port's settings come from, for messages: `spec.tls.frontend.perPort[1]` or `spec.tls.frontend.default`. */
function settingsFor(f: FrontendTLSConfig, port: number): { spec?: FrontendValidationSpec; where: string } {
  const i = (f.perPort ?? []).findIndex((p) => p.port === port);
  if (i >= 0) return { spec: f.perPort![i]!.tls?.validation, where: `spec.tls.frontend.perPort[${i}] (port ${port})` };
  return { spec: f.default?.validation, where: 'spec.tls.frontend.default' };
}

/** Ports (or the default) whose validation mode is AllowInsecureFallback, for the Gateway condition. */
export function insecureFallbackWhere(g: gw.Gateway): string | undefined {
  const f = frontendOf(g);
  if (!f) return undefined;
  const where = [
    ...(f.default?.validation?.mode === 'AllowInsecureFallback' ? ['spec.tls.frontend.default'] : []),
    ...(f.perPort ?? []).filter((p) => p.tls?.validation?.mode === 'AllowInsecureFallback').map((p) => `spec.tls.frontend.perPort port ${p.port}`),
  ];
  return where.length > 0 ? where.join(', ') : undefined;
}

export class FrontendResolver {
  readonly #configMaps = new Map<string, core.ConfigMap>();
  readonly #secrets = new Map<string, core.Secret>();
  readonly #grants: readonly gw.ReferenceGrant[];

  constructor(s: Pick<ResourceSnapshot, 'secrets' | 'referenceGrants'> & Partial<Pick<ResourceSnapshot, 'configMaps'>>) {
    for (const m of s.configMaps ?? []) this.#configMaps.set(`${m.metadata.namespace ?? 'default'}/${m.metadata.name}`, m);
    for (const m of s.secrets) this.#secrets.set(`${m.metadata.namespace ?? 'default'}/${m.metadata.name}`, m);
    this.#grants = s.referenceGrants;
  }

  /** The validation an HTTPS listener on `port` gets; an empty result when the Gateway asks for none there. */
  resolve(g: gw.Gateway, port: number, gen: number): FrontendResult {
    const f = frontendOf(g);
    if (!f) return {};
    const { spec, where } = settingsFor(f, port);
    const refs = spec?.caCertificateRefs ?? [];
    if (!spec || refs.length === 0) return {};
    const gatewayNs = g.metadata.namespace ?? 'default';
    const pems: string[] = [];
    let first: Condition | undefined;
    for (const [i, ref] of refs.entries()) {
      const r = this.#one(ref, gatewayNs, `${where} caCertificateRefs[${i}]`, gen);
      if ('pems' in r) pems.push(...r.pems);
      else first ??= r.condition;
    }
    const mode: ir.ClientValidation['mode'] = spec.mode === 'AllowInsecureFallback' ? 'AllowInsecureFallback' : 'AllowValidOnly';
    const validation: ir.ClientValidation | undefined = pems.length > 0 ? { caCertificates: [...new Set(pems)], mode } : undefined;
    if (!first) return { validation };
    if (validation) return { validation, refsCondition: first };
    return {
      refsCondition: first,
      notAccepted: c.listenerNoValidCACertificate(gen, `no CA certificate reference of ${where} resolves (${first.message})`),
      problem: `${where}: no CA certificate reference resolves`,
    };
  }

  #one(ref: ObjectReference, gatewayNs: string, where: string, gen: number): { pems: string[] } | { condition: Condition } {
    const group = ref.group ?? '';
    const kind = ref.kind ?? '';
    const ns = ref.namespace ?? gatewayNs;
    const label = `${where} (${group ? `${group}/` : ''}${kind} ${ns}/${ref.name})`;
    if (group !== '' || (kind !== 'ConfigMap' && kind !== 'Secret')) {
      return { condition: c.listenerInvalidCACertificateKind(gen, `${label}: Portico reads CA certificates from a ConfigMap or a Secret (group "") holding ${CA_KEY}; refer to one of those`) };
    }
    if (ns !== gatewayNs && !referenceGranted(this.#grants,
      { group: GROUP, kind: 'Gateway', namespace: gatewayNs }, { group: '', kind, namespace: ns, name: ref.name })) {
      return { condition: c.listenerRefNotPermitted(gen, `${label}: the ${kind} is in another namespace and no ReferenceGrant in namespace ${ns} allows Gateways from namespace ${gatewayNs} to refer to it; add one, or move the ${kind} to namespace ${gatewayNs}`) };
    }
    const object = kind === 'ConfigMap' ? this.#configMaps.get(`${ns}/${ref.name}`) : this.#secrets.get(`${ns}/${ref.name}`);
    const invalid = (detail: string) => ({ condition: c.listenerInvalidCACertificateRef(gen, `${label}: ${detail}`) });
    if (!object) return invalid(`${kind} ${ns}/${ref.name} not found; create it or fix the name`);
    const text = caText(kind, object);
    if (text === undefined) return invalid(`${kind} ${ns}/${ref.name} has no key ${CA_KEY}; put the PEM CA certificate(s) there`);
    const blocks = parseCertificateChain(text);
    if (blocks.length === 0) return invalid(`${kind} ${ns}/${ref.name} key ${CA_KEY} holds no PEM "BEGIN CERTIFICATE" block`);
    for (const [i, block] of blocks.entries()) {
      try {
        new X509Certificate(block);
      } catch (e) {
        return invalid(`${kind} ${ns}/${ref.name} key ${CA_KEY}: certificate ${i + 1} does not parse (${(e as Error).message})`);
      }
    }
    return { pems: blocks.map((b) => b + '\n') };
  }
}

function caText(kind: string, o: core.ConfigMap | core.Secret): string | undefined {
  if (kind === 'ConfigMap') return o.data?.[CA_KEY];
  const s = o as core.Secret;
  const plain = s.stringData?.[CA_KEY];
  if (plain !== undefined) return plain;
  const encoded = s.data?.[CA_KEY];
  return encoded === undefined ? undefined : Buffer.from(encoded, 'base64').toString('utf8');
}
