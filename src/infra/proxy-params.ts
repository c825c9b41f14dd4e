// Portico's Gateway parameters: what `spec.infrastructure.parametersRef` points at. For now a ConfigMap in the
// Gateway's namespace (a CRD can come later, keeping the same keys):
//
//   parametersRef: {group: "", kind: ConfigMap, name: <name>}
//   data:
//     replicas: "2"                 # proxy pods (default 1)
//     serviceType: ClusterIP        # LoadBalancer (default), ClusterIP or NodePort
//     resources: |                  # the proxy container's resources, as in a Pod spec (default: none)
//       requests: {cpu: 100m, memory: 64Mi}
//       limits: {memory: 256Mi}
//     nodeOptions: "--max-semi-space-size=2 --heap-growing-percent=30"
//                                   # V8 memory flags for the proxy (PORTICO_NODE_OPTIONS; default: bin/portico.js's own)
//
// Unknown keys are refused so a typo does not pass silently.
import { parse } from 'yaml';
import type { ConfigMap } from '../api/core.ts';
import type { Gateway } from '../api/gateway.ts';

export type ServiceType = 'LoadBalancer' | 'ClusterIP' | 'NodePort';

export type ProxyParams = {
  replicas: number;
  serviceType: ServiceType;
  resources?: { requests?: Record<string, string | number>; limits?: Record<string, string | number> };
  /** PORTICO_NODE_OPTIONS of the proxy container: V8 heap flags only, each checked against NODE_FLAGS. */
  nodeOptions?: string;
};

export const DEFAULT_PARAMS: ProxyParams = { replicas: 1, serviceType: 'LoadBalancer' };

const SERVICE_TYPES: readonly ServiceType[] = ['LoadBalancer', 'ClusterIP', 'NodePort'];
const KEYS = ['replicas', 'serviceType', 'resources', 'nodeOptions'];
/**
 * The flags nodeOptions may hold: V8's heap sizing, nothing that loads code (--require, --import) or changes what the
 * proxy does. A flag named here replaces bin/portico.js's default of the same name.
 */
const NODE_FLAGS = /^--(max-semi-space-size|min-semi-space-size|max-old-space-size|initial-old-space-size|max-heap-size|initial-heap-size|heap-growing-percent)=\d+$|^--(no-)?(optimize-for-size|single-threaded-gc|memory-saver-mode)$/;
const MAX_REPLICAS = 1000;

/**
 * The Gateway's parameters, or why they cannot be used (the spec's InvalidParameters: the referent is missing, of a
 * kind Portico does not read, or malformed).
 */
export function proxyParams(gateway: Gateway, configMaps: readonly ConfigMap[]): { params: ProxyParams } | { error: string } {
  const ref = gateway.spec.infrastructure?.parametersRef;
  if (!ref) return { params: DEFAULT_PARAMS };
  const ns = gateway.metadata.namespace ?? 'default';
  const at = 'spec.infrastructure.parametersRef';
  if ((ref.group ?? '') !== '' || ref.kind !== 'ConfigMap') {
    return { error: `${at} points at ${ref.group ? `${ref.group}/` : ''}${ref.kind} ${ref.name}, but Portico reads its parameters from a ConfigMap; use {group: "", kind: ConfigMap, name: ...}` };
  }
  const cm = configMaps.find((c) => c.metadata.namespace === ns && c.metadata.name === ref.name);
  if (!cm) return { error: `${at} names ConfigMap ${ns}/${ref.name}, which does not exist; create it in the Gateway's namespace or remove parametersRef` };
  const where = `ConfigMap ${ns}/${ref.name}`;
  const data = cm.data ?? {};
  const unknown = Object.keys(data).filter((k) => !KEYS.includes(k));
  if (unknown.length > 0) return { error: `${where} has unknown key(s) ${unknown.join(', ')}; Portico reads ${KEYS.join(', ')}` };

  const params: ProxyParams = { ...DEFAULT_PARAMS };
  if (data.replicas !== undefined) {
    const n = Number(data.replicas.trim());
    if (!/^\d+$/.test(data.replicas.trim()) || n > MAX_REPLICAS) {
      return { error: `${where} key replicas is ${JSON.stringify(data.replicas)}; use a whole number from 0 to ${MAX_REPLICAS}` };
    }
    params.replicas = n;
  }
  if (data.serviceType !== undefined) {
    const t = data.serviceType.trim() as ServiceType;
    if (!SERVICE_TYPES.includes(t)) return { error: `${where} key serviceType is ${JSON.stringify(data.serviceType)}; use one of ${SERVICE_TYPES.join(', ')}` };
    params.serviceType = t;
  }
  if (data.resources !== undefined) {
    const r = parseResources(data.resources);
    if (typeof r === 'string') return { error: `${where} key resources: ${r}` };
    params.resources = r;
  }
  if (data.nodeOptions !== undefined) {
    const flags = data.nodeOptions.trim().split(/\s+/).filter(Boolean);
    const bad = flags.find((f) => !NODE_FLAGS.test(f));
    if (bad !== undefined) {
      return { error: `${where} key nodeOptions has ${JSON.stringify(bad)}; it takes V8 heap flags only, as --name=MEGABYTES (max-semi-space-size, max-old-space-size, heap-growing-percent, ...) or --optimize-for-size` };
    }
    if (flags.length > 0) params.nodeOptions = flags.join(' ');
  }
  return { params };
}

function parseResources(text: string): NonNullable<ProxyParams['resources']> | string {
  let v: unknown;
  try {
    v = parse(text);
  } catch (err) {
    const line = (err as { linePos?: { line: number }[] }).linePos?.[0]?.line;
    return `is not valid YAML${line ? ` (line ${line})` : ''}: ${(err as Error).message.split('\n')[0]}`;
  }
  if (v === null || v === undefined) return {};
  if (typeof v !== 'object' || Array.isArray(v)) return 'must be a mapping with requests and/or limits, e.g. "requests: {cpu: 100m}"';
  const out: NonNullable<ProxyParams['resources']> = {};
  for (const [key, amounts] of Object.entries(v as Record<string, unknown>)) {
    if (key !== 'requests' && key !== 'limits') return `has key ${key}; use requests and/or limits`;
    if (!amounts || typeof amounts !== 'object' || Array.isArray(amounts)) return `${key} must be a mapping of resource name to quantity, e.g. {cpu: 100m, memory: 64Mi}`;
    const q: Record<string, string | number> = {};
    for (const [res, amount] of Object.entries(amounts as Record<string, unknown>)) {
      if (typeof amount === 'number' && amount >= 0) q[res] = amount;
      else if (typeof amount === 'string' && /^[0-9.]+([eE][-+]?\d+|[munkMGTPE]|[KMGTPE]i)?$/.test(amount)) q[res] = amount;
      else return `${key}.${res} is ${JSON.stringify(amount)}, not a quantity; use e.g. 100m, 0.5, 64Mi`;
    }
    out[key] = q;
  }
  return out;
}
