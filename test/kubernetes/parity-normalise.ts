// What legitimately differs between an object as written in a file and the same object read back from the API
// server, and nothing else. Each rule removes one field from the Kubernetes side only when the file does not set it,
// and (where the default is fixed) only when it holds the documented default, so a real change never hides here.
import type { KubeObject } from '../../src/api/meta.ts';
import { stableJson } from '../../src/sources/store.ts';

type Json = Record<string, unknown>;
type Rule = {
  /** kind, or '*' for every kind */
  kind: string;
  /** dot-separated field path, `[]` for any list index */
  path: string;
  /** the default the API server writes; a function when it depends on the parent, absent when any value is fine */
  value?: unknown;
  why: string;
};

const NAME_LABEL = 'kubernetes.io/metadata.name';
const any = undefined;

export const RULES: readonly Rule[] = [
  // Metadata the API server owns.
  { kind: '*', path: 'metadata.uid', value: any, why: 'assigned by the API server on create' },
  { kind: '*', path: 'metadata.creationTimestamp', value: any, why: 'the time of create; the file source stamps the time it first read the object (both pinned before translate)' },
  { kind: 'Namespace', path: 'metadata.labels', value: (_: Json, o: KubeObject) => ({ [NAME_LABEL]: o.metadata.name }), why: 'the API server adds kubernetes.io/metadata.name to every Namespace' },
  { kind: 'Namespace', path: `metadata.labels.${NAME_LABEL}`, value: (_: Json, o: KubeObject) => o.metadata.name, why: 'as above, when the file has other labels' },
  { kind: 'Namespace', path: 'spec', value: { finalizers: ['kubernetes'] }, why: 'core default finalizer of a Namespace' },
  // Service: core defaults and allocations (pkg/apis/core/v1/defaults.go, the ClusterIP allocator).
  { kind: 'Service', path: 'spec.type', value: 'ClusterIP', why: 'core default' },
  { kind: 'Service', path: 'spec.sessionAffinity', value: 'None', why: 'core default' },
  { kind: 'Service', path: 'spec.internalTrafficPolicy', value: 'Cluster', why: 'core default' },
  { kind: 'Service', path: 'spec.clusterIP', value: any, why: 'allocated from the service CIDR' },
  { kind: 'Service', path: 'spec.clusterIPs', value: any, why: 'allocated from the service CIDR' },
  { kind: 'Service', path: 'spec.ipFamilies', value: any, why: 'chosen by the API server from the cluster configuration' },
  { kind: 'Service', path: 'spec.ipFamilyPolicy', value: 'SingleStack', why: 'core default on a single-stack cluster' },
  { kind: 'Service', path: 'spec.ports[].protocol', value: 'TCP', why: 'core default' },
  { kind: 'Service', path: 'spec.ports[].targetPort', value: (p: Json) => p.port, why: 'core default: targetPort = port' },
  // EndpointSlice: discovery/v1 defaults.
  { kind: 'EndpointSlice', path: 'ports[].protocol', value: 'TCP', why: 'discovery default' },
  { kind: 'EndpointSlice', path: 'ports[].name', value: '', why: 'discovery default: an unnamed port gets name ""' },
  { kind: 'EndpointSlice', path: 'ports', value: null, why: 'discovery/v1 serialises an absent ports list as null (the field is not omitempty)' },
  { kind: 'EndpointSlice', path: 'endpoints[].conditions', value: {}, why: 'discovery/v1 serialises absent conditions as {} (a struct, so omitempty keeps it)' },
  // Gateway API CRD defaults (kubebuilder +default markers in apis/v1/*_types.go).
  { kind: 'Gateway', path: 'spec.listeners[].allowedRoutes', value: { namespaces: { from: 'Same' } }, why: 'CRD default' },
  { kind: 'Gateway', path: 'spec.listeners[].allowedRoutes.namespaces', value: { from: 'Same' }, why: 'CRD default' },
  { kind: 'Gateway', path: 'spec.listeners[].allowedRoutes.namespaces.from', value: 'Same', why: 'CRD default' },
  { kind: 'Gateway', path: 'spec.listeners[].allowedRoutes.kinds[].group', value: 'gateway.networking.k8s.io', why: 'CRD default' },
  { kind: 'Gateway', path: 'spec.addresses[].type', value: 'IPAddress', why: 'CRD default' },
  { kind: 'Gateway', path: 'spec.listeners[].tls.mode', value: 'Terminate', why: 'CRD default' },
  { kind: 'Gateway', path: 'spec.listeners[].tls.certificateRefs[].group', value: '', why: 'CRD default' },
  { kind: 'Gateway', path: 'spec.listeners[].tls.certificateRefs[].kind', value: 'Secret', why: 'CRD default' },
  { kind: 'HTTPRoute', path: 'spec.parentRefs[].group', value: 'gateway.networking.k8s.io', why: 'CRD default' },
  { kind: 'HTTPRoute', path: 'spec.parentRefs[].kind', value: 'Gateway', why: 'CRD default' },
  { kind: 'HTTPRoute', path: 'spec.rules', value: [{ matches: [{ path: { type: 'PathPrefix', value: '/' } }] }], why: 'CRD default: one rule matching every path' },
  { kind: 'HTTPRoute', path: 'spec.rules[].matches', value: [{ path: { type: 'PathPrefix', value: '/' } }], why: 'CRD default' },
  { kind: 'HTTPRoute', path: 'spec.rules[].matches[].path', value: { type: 'PathPrefix', value: '/' }, why: 'CRD default' },
  { kind: 'HTTPRoute', path: 'spec.rules[].matches[].path.type', value: 'PathPrefix', why: 'CRD default' },
  { kind: 'HTTPRoute', path: 'spec.rules[].matches[].path.value', value: '/', why: 'CRD default' },
  { kind: 'HTTPRoute', path: 'spec.rules[].matches[].headers[].type', value: 'Exact', why: 'CRD default' },
  { kind: 'HTTPRoute', path: 'spec.rules[].matches[].queryParams[].type', value: 'Exact', why: 'CRD default' },
  { kind: 'HTTPRoute', path: 'spec.rules[].backendRefs[].group', value: '', why: 'CRD default' },
  { kind: 'HTTPRoute', path: 'spec.rules[].backendRefs[].kind', value: 'Service', why: 'CRD default' },
  { kind: 'HTTPRoute', path: 'spec.rules[].backendRefs[].weight', value: 1, why: 'CRD default' },
  { kind: 'HTTPRoute', path: 'spec.rules[].filters[].requestRedirect.statusCode', value: 302, why: 'CRD default' },
  { kind: 'ReferenceGrant', path: 'apiVersion', value: 'gateway.networking.k8s.io/v1', why: 'the source watches the v1 version the API server serves; the file may say v1beta1 (same schema)' },
];

const pathOf = (segments: readonly string[]) => segments.join('.').replace(/\.\[\]/g, '[]');

/**
 * The Kubernetes-side object with every field removed that the file lacks and a rule explains. `used` collects the
 * rules that applied (for the test's diagnostics). Lists are walked element by element only when both have the
 * same length; otherwise they stay and the comparison shows the difference.
 */
export function normalise(kube: KubeObject, file: KubeObject | undefined, used = new Set<string>()): KubeObject {
  const copy = structuredClone(kube) as unknown as Json;
  if (file) {
    walk(copy, file as unknown as Json, [], kube, used);
  }
  return copy as unknown as KubeObject;
}

function walk(k: unknown, f: unknown, path: string[], root: KubeObject, used: Set<string>): void {
  if (Array.isArray(k) && Array.isArray(f)) {
    if (k.length === f.length) k.forEach((x, i) => walk(x, f[i], [...path, '[]'], root, used));
    return;
  }
  if (!isObj(k) || !isObj(f)) return;
  for (const key of Object.keys(k)) {
    const p = [...path, key];
    const here = pathOf(p);
    const rule = RULES.find((r) => (r.kind === '*' || r.kind === root.kind) && r.path === here);
    if (!(key in f)) {
      if (rule && matches(rule, k[key], k, root)) {
        delete k[key];
        used.add(`${root.kind} ${here}`);
      }
      continue;
    }
    if (rule && here === 'apiVersion' && k[key] !== f[key] && matches(rule, k[key], k, root)) {
      k[key] = f[key];
      used.add(`${root.kind} ${here}`);
      continue;
    }
    walk(k[key], f[key], p, root, used);
  }
}

function matches(rule: Rule, v: unknown, parent: Json, root: KubeObject): boolean {
  if (rule.value === undefined) return true;
  const want = typeof rule.value === 'function' ? (rule.value as (p: Json, o: KubeObject) => unknown)(parent, root) : rule.value;
  return stableJson(v) === stableJson(want);
}

function isObj(v: unknown): v is Json {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
