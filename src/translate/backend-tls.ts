// BackendTLSPolicy → TLS settings of the clusters it targets, and the policy's status per ancestor Gateway.
// Pure: CA ConfigMaps and Secrets come from the snapshot, so a changed bundle re-translates like any other object.
import { X509Certificate } from 'node:crypto';
import type * as core from '../api/core.ts';
import { CONTROLLER_NAME, GROUP } from '../api/gateway.ts';
import type { Condition } from '../api/meta.ts';
import type { BackendTLSPolicy } from '../api/policies.ts';
import type { ResourceSnapshot } from '../api/snapshot.ts';
import type * as ir from '../ir/types.ts';
import { parseCertificateChain } from '../ir/validate.ts';
import * as c from '../status/conditions.ts';
import type { ObjectStatus } from '../status/types.ts';
import { clusterName } from './backends.ts';
import { field } from './certificates.ts';

const CA_KEY = 'ca.crt';

/** One policy, checked once: its conditions (the same for every ancestor) and the TLS it asks for. */
type Verdict = {
  policy: BackendTLSPolicy;
  key: string;
  generation: number;
  accepted: Condition;
  resolvedRefs: Condition;
  tls: ir.BackendTls;
};

export class BackendTlsPolicies {
  readonly #verdicts = new Map<string, Verdict>();
  /** `ns/service#sectionName` ('' for the whole Service) → the policy that takes precedence there. */
  readonly #winners = new Map<string, Verdict>();
  /** Cluster name → keys of every policy targeting that Service port, winners and losers: they share its ancestors. */
  readonly #byCluster = new Map<string, Set<string>>();

  constructor(s: Pick<ResourceSnapshot, 'backendTLSPolicies' | 'configMaps' | 'secrets' | 'services'>) {
    const configMaps = new Map(s.configMaps.map((m) => [`${m.metadata.namespace ?? 'default'}/${m.metadata.name}`, m]));
    const secrets = new Map(s.secrets.map((x) => [`${x.metadata.namespace ?? 'default'}/${x.metadata.name}`, x]));
    const services = new Map(s.services.map((x) => [`${x.metadata.namespace ?? 'default'}/${x.metadata.name}`, x]));
    const groups = new Map<string, Verdict[]>();
    for (const p of [...(s.backendTLSPolicies ?? [])].sort(precedence)) {
      const v = check(p, configMaps, secrets);
      this.#verdicts.set(v.key, v);
      const ns = p.metadata.namespace ?? 'default';
      for (const t of p.spec.targetRefs ?? []) {
        if ((t.group ?? '') !== '' || t.kind !== 'Service') continue;
        const target = `${ns}/${t.name}#${t.sectionName ?? ''}`;
        groups.set(target, [...(groups.get(target) ?? []), v]);
        for (const port of services.get(`${ns}/${t.name}`)?.spec.ports ?? []) {
          if (t.sectionName !== undefined && t.sectionName !== (port.name ?? '')) continue;
          const name = clusterName(ns, t.name, port.port);
          this.#byCluster.set(name, (this.#byCluster.get(name) ?? new Set()).add(v.key));
        }
      }
    }
    for (const [target, list] of groups) {
      const [winner, ...losers] = list;
      this.#winners.set(target, winner!);
      for (const l of losers) l.accepted = c.policyConflicted(l.generation, winner!.key);
    }
  }

  /** The TLS a Service port gets: a policy naming its port (sectionName) beats one naming the whole Service. */
  forPort(namespace: string, service: string, port: core.ServicePort): ir.BackendTls | undefined {
    const v = this.#winners.get(`${namespace}/${service}#${port.name ?? ''}`) ?? this.#winners.get(`${namespace}/${service}#`);
    return v?.tls;
  }

  /**
   * Status of every policy: one ancestor entry per Gateway whose config uses a Service port the policy targets
   * (`/grpc` clusters are the same Service port spoken as h2c). A policy no Gateway uses gets no ancestors.
   */
  status(proxies: ReadonlyMap<string, ir.ProxyConfig>): ObjectStatus[] {
    const ancestors = new Map<string, Set<string>>();
    for (const [gateway, config] of proxies) {
      for (const name of Object.keys(config.backends)) {
        for (const key of this.#byCluster.get(name.replace(/\/grpc$/, '')) ?? []) {
          ancestors.set(key, (ancestors.get(key) ?? new Set()).add(gateway));
        }
      }
    }
    return [...this.#verdicts.values()].map((v) => ({
      apiVersion: v.policy.apiVersion, kind: 'BackendTLSPolicy', namespace: v.policy.metadata.namespace ?? 'default',
      name: v.policy.metadata.name, generation: v.generation,
      status: {
        ancestors: [...(ancestors.get(v.key) ?? [])].sort().map((gateway) => {
          const [namespace, name] = gateway.split('/') as [string, string];
          return {
            ancestorRef: { group: GROUP, kind: 'Gateway', namespace, name },
            controllerName: CONTROLLER_NAME,
            conditions: [v.accepted, v.resolvedRefs],
          };
        }),
      },
    }));
  }
}

/** The spec's precedence: older first, then `namespace/name`. A policy without a timestamp sorts last. */
function precedence(a: BackendTLSPolicy, b: BackendTLSPolicy): number {
  const ta = a.metadata.creationTimestamp ?? '\uffff', tb = b.metadata.creationTimestamp ?? '\uffff';
  if (ta !== tb) return ta < tb ? -1 : 1;
  const ka = `${a.metadata.namespace ?? 'default'}/${a.metadata.name}`, kb = `${b.metadata.namespace ?? 'default'}/${b.metadata.name}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

type CaLookup = { configMaps: ReadonlyMap<string, core.ConfigMap>; secrets: ReadonlyMap<string, core.Secret> };

function check(p: BackendTLSPolicy, configMaps: ReadonlyMap<string, core.ConfigMap>, secrets: ReadonlyMap<string, core.Secret>): Verdict {
  const ns = p.metadata.namespace ?? 'default';
  const key = `${ns}/${p.metadata.name}`;
  const gen = p.metadata.generation ?? 1;
  const v = p.spec.validation ?? ({} as Partial<BackendTLSPolicy['spec']['validation']>);
  const tls: ir.BackendTls = {
    policy: key,
    serverName: v.hostname ?? '',
    subjectAltNames: (v.subjectAltNames ?? []).map((s) => ({ type: s.type, value: (s.type === 'URI' ? s.uri : s.hostname) ?? '' })),
  };
  const refs = v.caCertificateRefs ?? [];
  let accepted = c.policyAccepted(gen);
  let resolvedRefs = c.policyResolvedRefs(gen);
  if (refs.length === 0) {
    if (v.wellKnownCACertificates !== 'System') {
      const detail = v.wellKnownCACertificates
        ? `validation.wellKnownCACertificates ${JSON.stringify(v.wellKnownCACertificates)} is not supported; use System, or list caCertificateRefs`
        : 'validation names no trust anchor; set caCertificateRefs or wellKnownCACertificates: System';
      accepted = c.policyInvalid(gen, `${detail}; requests to the targeted backend answer 502`);
      tls.invalid = detail;
    }
    return { policy: p, key, generation: gen, accepted, resolvedRefs, tls };
  }
  const bundles: string[] = [];
  for (const [i, ref] of refs.entries()) {
    const r = caBundle(ref, ns, `validation.caCertificateRefs[${i}]`, { configMaps, secrets });
    if ('pem' in r) bundles.push(r.pem);
    else if (resolvedRefs.status === 'True') resolvedRefs = c.policyRefProblem(gen, r.reason, r.detail);
  }
  if (bundles.length === 0) {
    accepted = c.policyNoValidCACertificate(gen, resolvedRefs.message);
    tls.invalid = resolvedRefs.message;
  } else tls.caCertificates = bundles.join('');
  return { policy: p, key, generation: gen, accepted, resolvedRefs, tls };
}

type CaResult = { pem: string } | { reason: 'InvalidCACertificateRef' | 'InvalidKind'; detail: string };

/** A ConfigMap (core) or Secret (implementation-specific) in the policy's namespace, with PEM certificates in `ca.crt`. */
function caBundle(ref: { group: string; kind: string; name: string }, ns: string, where: string, lookup: CaLookup): CaResult {
  const group = ref.group ?? '';
  const label = `${where} (${group ? `${group}/` : ''}${ref.kind} ${ns}/${ref.name})`;
  if (group !== '' || (ref.kind !== 'ConfigMap' && ref.kind !== 'Secret')) {
    return { reason: 'InvalidKind', detail: `${label}: kind ${group ? `${group}/` : ''}${ref.kind} is not supported; refer to a core ConfigMap (or Secret) holding PEM CA certificates in key ${CA_KEY}` };
  }
  const text = ref.kind === 'ConfigMap'
    ? lookup.configMaps.get(`${ns}/${ref.name}`)?.data?.[CA_KEY]
    : secretOf(lookup.secrets.get(`${ns}/${ref.name}`));
  const exists = ref.kind === 'ConfigMap' ? lookup.configMaps.has(`${ns}/${ref.name}`) : lookup.secrets.has(`${ns}/${ref.name}`);
  if (!exists) return { reason: 'InvalidCACertificateRef', detail: `${label}: ${ref.kind} ${ns}/${ref.name} not found; create it or fix the name` };
  if (!text || text.trim() === '') return { reason: 'InvalidCACertificateRef', detail: `${label}: key ${CA_KEY} is missing or empty; put the PEM CA certificates there` };
  const blocks = parseCertificateChain(text);
  if (blocks.length === 0) return { reason: 'InvalidCACertificateRef', detail: `${label}: key ${CA_KEY} holds no PEM certificate (-----BEGIN CERTIFICATE-----)` };
  for (const [i, block] of blocks.entries()) {
    try {
      new X509Certificate(block);
    } catch (e) {
      return { reason: 'InvalidCACertificateRef', detail: `${label}: certificate ${i + 1} in key ${CA_KEY} does not parse (${(e as Error).message}); store PEM CA certificates` };
    }
  }
  return { pem: blocks.join('\n') + '\n' };
}

function secretOf(secret: core.Secret | undefined): string | undefined {
  return secret === undefined ? undefined : field(secret, CA_KEY);
}
