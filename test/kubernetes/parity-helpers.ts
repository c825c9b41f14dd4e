// Helpers for the source parity spec: make a golden case appliable into its own namespaces, read it back through
// each source, and normalise only what the API server legitimately owns.
import { stringify } from 'yaml';
import type { KubeObject } from '../../src/api/meta.ts';
import { objectId, snapshotOf, type ResourceSnapshot } from '../../src/api/snapshot.ts';
import { FileSource } from '../../src/sources/file.ts';
import { parseManifests } from '../../src/sources/parse.ts';
import { ResourceStore } from '../../src/sources/store.ts';
import type { Cluster } from '../cluster/cluster.ts';
import { fileURLToPath } from 'node:url';

const readerEntry = fileURLToPath(new URL('./parity-read.ts', import.meta.url));
const NAME_LABEL = 'kubernetes.io/metadata.name';
type Json = Record<string, unknown>;

export type PreparedCase = {
  /** The manifests both sources read: namespaces and class names rewritten, API-server-owned metadata removed. */
  yaml: string;
  namespaces: string[];
  /** `Kind/name` of the cluster-scoped objects of the case. */
  clusterNames: string[];
  /** `Kind/namespace/name` of every object. */
  ids: string[];
};

/**
 * Rewrites a golden case so it can live beside others in one shared cluster: every namespace (including the implicit
 * `default`) becomes `<prefix>-<ns>`, every GatewayClass `<prefix>-<name>`, and every reference to them follows.
 * Two changes of input, applied to both sides alike, because the API server decides these by design:
 * - `metadata.generation` and `metadata.creationTimestamp` are dropped: the API server ignores them on create.
 * - a Namespace object is added for every namespace an object lives in: the API server refuses objects in a
 *   namespace that does not exist (so "a namespace without a Namespace object" cannot happen in a cluster).
 */
export function prepareCase(text: string, file: string, prefix: string): PreparedCase {
  const objects = parseManifests(text, file).map((p) => structuredClone(p.object) as KubeObject & Json);
  const ns = (n: string) => `${prefix}-${n}`;
  const cls = (n: string) => `${prefix}-${n}`;
  const used = new Set<string>();
  for (const o of objects) {
    const m = o.metadata as KubeObject['metadata'] & Json;
    delete m.generation;
    delete m.creationTimestamp;
    if (o.kind === 'Namespace') {
      m.name = ns(m.name);
      if (m.labels?.[NAME_LABEL]) m.labels[NAME_LABEL] = ns(m.labels[NAME_LABEL]);
    } else if (o.kind === 'GatewayClass') {
      m.name = cls(m.name);
    } else {
      m.namespace = ns(m.namespace ?? 'default');
      used.add(m.namespace);
    }
    if (o.kind === 'Gateway' && typeof (o.spec as Json)?.gatewayClassName === 'string') {
      (o.spec as Json).gatewayClassName = cls((o.spec as Json).gatewayClassName as string);
    }
    rewriteRefs(o.spec, ns);
  }
  const declared = new Set(objects.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name));
  const added = [...used].filter((n) => !declared.has(n)).sort()
    .map((name) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }) as KubeObject & Json);
  // Namespaces first: kubectl applies in order, and an object needs its namespace to exist.
  const all = [...objects.filter((o) => o.kind === 'Namespace'), ...added, ...objects.filter((o) => o.kind !== 'Namespace')];
  return {
    yaml: all.map((o) => stringify(o, { lineWidth: 0 })).join('---\n'),
    namespaces: [...new Set([...used, ...declared, ...added.map((o) => o.metadata.name)])].sort(),
    clusterNames: all.filter((o) => o.metadata.namespace === undefined).map((o) => `${o.kind}/${o.metadata.name}`).sort(),
    ids: all.map((o) => objectId(o)).sort(),
  };
}

/** Every `namespace:` reference (parentRefs, backendRefs, ReferenceGrant from, certificateRefs) and namespace-name selectors. */
function rewriteRefs(v: unknown, ns: (n: string) => string): void {
  if (Array.isArray(v)) return v.forEach((x) => rewriteRefs(x, ns));
  if (!v || typeof v !== 'object') return;
  const o = v as Json;
  if (typeof o.namespace === 'string') o.namespace = ns(o.namespace);
  if (o.key === NAME_LABEL && Array.isArray(o.values)) o.values = (o.values as string[]).map(ns);
  const labels = o.matchLabels as Record<string, string> | undefined;
  if (labels && typeof labels[NAME_LABEL] === 'string') labels[NAME_LABEL] = ns(labels[NAME_LABEL]);
  for (const [k, x] of Object.entries(o)) if (k !== 'namespace') rewriteRefs(x, ns);
}

/** The file side: FileSource reads the file once (no watching) into its own store. */
export async function readViaFile(path: string): Promise<KubeObject[]> {
  const store = new ResourceStore();
  const log = { info() {}, warn() {}, error: (_f: object, m: string) => { throw new Error(`FileSource: ${m}`); } };
  const source = new FileSource({ paths: [path], store, onChange() {}, log, watch: false });
  await source.start();
  source.close();
  return store.objects();
}

export type KubeRead = { objects: KubeObject[]; missingAtStart: string[]; errors: string[] };

/** The Kubernetes side: KubernetesSource in a child inside the namespace (see parity-read.ts). */
export function readViaKubernetes(cluster: Cluster, c: PreparedCase): Promise<KubeRead> {
  const scope = { namespaces: c.namespaces, clusterNames: c.clusterNames, expect: c.ids };
  return new Promise((resolve, reject) => {
    const p = cluster.spawnIn(process.execPath, [readerEntry, cluster.kubeconfig, JSON.stringify(scope)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    p.on('error', reject);
    p.on('close', (code) => {
      if (code !== 0) return reject(new Error(`parity-read.ts exited ${code}: ${err.trim()}`));
      try {
        resolve(JSON.parse(out) as KubeRead);
      } catch (e) {
        reject(new Error(`parity-read.ts printed no JSON (${(e as Error).message}); stderr: ${err.trim()}`));
      }
    });
  });
}

/** Both snapshots get the same creationTimestamp: its value is the time each source first saw the object. */
export const PINNED_TIME = '2026-01-01T00:00:00Z';

export function pinnedSnapshot(objects: readonly KubeObject[]): ResourceSnapshot {
  return snapshotOf(objects.map((o) => ({ ...o, metadata: { ...o.metadata, creationTimestamp: PINNED_TIME } }) as KubeObject));
}
