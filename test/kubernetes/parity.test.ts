// One behavioural spec, two sources: golden manifests applied to the real API server and read back through
// KubernetesSource give the same snapshot (after the normalisations in parity-normalise.ts), the same IR and the
// same status as FileSource reading the same file. Each case gets its own namespaces and GatewayClass names
// (prefix parity-<pid>-<n>), so cases never collide with each other or with other tests sharing the cluster.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { KubeObject } from '../../src/api/meta.ts';
import { objectId } from '../../src/api/snapshot.ts';
import { serializeProxies, serializeStatus } from '../../src/ir/serialize.ts';
import { translate } from '../../src/translate/index.ts';
import { startCluster, type Cluster } from '../cluster/cluster.ts';
import { pinnedSnapshot, prepareCase, readViaFile, readViaKubernetes, type PreparedCase } from './parity-helpers.ts';
import { normalise } from './parity-normalise.ts';

const ROOT = join(import.meta.dirname, '..', 'golden', 'translate');

/** A spread over every area: attachment, namespaces, backends, filters, hostnames, listeners, precedence, grants, status. */
const CASES = [
  'gateway/basic',
  'gatewayclass/ours-and-others',
  'attach/namespaces-selector',
  'attach/section-and-port',
  'backends/endpoints',
  'backends/weights',
  'filters/header-modifiers',
  'filters/redirects',
  'hostnames/intersection',
  'listeners/protocol-conflict',
  'precedence/header-canary',
  'referencegrant/allowed-by-name',
  'status/invalid-regex',
];

/**
 * Cases the CRDs (v1.6.3) refuse by design, so they cannot reach the Kubernetes source; the file source accepts them
 * because Portico reports such values as conditions instead. Reasons as the API server gave them.
 */
export const REJECTED_BY_CRDS: Readonly<Record<string, string>> = {
  'backends/not-found': 'backendRefs[3]: "Must have port for Service reference" (CEL)',
  'filters/invalid-values': 'header names/values must match the CRD patterns (CR/LF, NUL, "x a:")',
  'filters/unsupported': 'URLRewrite replacePrefixMatch needs exactly one PathPrefix match (CEL)',
  'gateway/unsupported-address': 'spec.addresses[0].value "300.1.2.3" must be of type ipv4',
  'listeners/hostname-conflict': 'port, protocol and hostname must be unique per listener (CEL)',
  'precedence/method-headers-query': 'method "post" is not in the enum (GET, HEAD, POST, ...)',
  'status/multiple-parents': 'two parentRefs to the same parent need sectionName or port (CEL)',
  'status/partially-invalid': 'path value must start with "/" for Exact and PathPrefix (CEL)',
};

// PORTICO_PARITY_ALL=1 runs every case the CRDs accept instead of the chosen spread.
const all = process.env.PORTICO_PARITY_ALL === '1';
const selected = all ? listCases().filter((c) => !(c in REJECTED_BY_CRDS)) : CASES;

let cluster: Cluster;
let dir: string;
const run = `parity-${process.pid}`;

before(async () => {
  cluster = await startCluster();
  dir = mkdtempSync(join(tmpdir(), 'portico-parity-'));
  // A killed run leaves its namespaces and classes behind (its PID is gone); names never repeat, so removal need not wait.
  await removeLeftovers('namespace');
  await removeLeftovers('gatewayclass');
});

after(async () => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  if (cluster) await cluster.stop();
});

selected.forEach((name, i) => {
  test(`parity ${name}`, async (t) => {
    const input = join(ROOT, `${name}.in.yaml`);
    const c = prepareCase(readFileSync(input, 'utf8'), input, `${run}-${i}`);
    const path = join(dir, `${name.replace('/', '_')}.yaml`);
    writeFileSync(path, c.yaml);
    try {
      await cluster.kubectlRun(['apply', '--server-side', '--field-manager=portico-parity', '-f', path]);
      const fromFile = await readViaFile(path);
      const kube = await readViaKubernetes(cluster, c);
      assert.deepEqual(kube.errors, [], 'KubernetesSource reported list/watch errors');
      if (kube.missingAtStart.length > 0) t.diagnostic(`not yet in the store when start() resolved: ${kube.missingAtStart.join(', ')}`);

      const used = new Set<string>();
      const fileSide = byId(fromFile.map(withoutCreated));
      const kubeSide = byId(kube.objects.filter((o) => !isRootCa(o)).map((o) => withoutCreated(normalise(o, fileSide.get(objectId(o)), used))));
      t.diagnostic(`normalised: ${[...used].sort().join('; ') || 'nothing'}`);
      assert.deepEqual([...kubeSide.keys()], [...fileSide.keys()], 'the two sources hold different objects');
      for (const [id, o] of fileSide) assert.deepEqual(kubeSide.get(id), o, `${id} differs between the Kubernetes and the file source`);

      const a = render(kube.objects), b = render(fromFile);
      assert.ok(a.ir === b.ir, `IR differs:\n${firstDifference(a.ir, b.ir)}`);
      assert.ok(a.status === b.status, `status differs:\n${firstDifference(a.status, b.status)}`);
    } finally {
      await cleanup(c);
    }
  });
});

function render(objects: readonly KubeObject[]): { ir: string; status: string } {
  const r = translate(pinnedSnapshot(objects));
  return { ir: serializeProxies(r.proxies), status: serializeStatus(r.status) };
}

/** Up to three lines either side of the first line that differs; '' when the texts are equal. */
function firstDifference(kube: string, file: string): string {
  if (kube === file) return '';
  const a = kube.split('\n'), b = file.split('\n');
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  const from = Math.max(0, i - 3);
  return `  Kubernetes source, from line ${from + 1}:\n${a.slice(from, i + 4).join('\n')}\n  file source:\n${b.slice(from, i + 4).join('\n')}`;
}

function byId(objects: readonly KubeObject[]): Map<string, KubeObject> {
  return new Map([...objects].map((o) => [objectId(o), o] as const).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** creationTimestamp is compared by neither side: each stamps its own clock (see parity-normalise.ts). */
function withoutCreated(o: KubeObject): KubeObject {
  const { creationTimestamp: _c, ...metadata } = o.metadata;
  return { ...o, metadata } as KubeObject;
}

/** kube-controller-manager publishes this ConfigMap into every namespace, some time after the namespace appears. */
function isRootCa(o: KubeObject): boolean {
  return o.kind === 'ConfigMap' && o.metadata.name === 'kube-root-ca.crt';
}

async function cleanup(c: PreparedCase): Promise<void> {
  const classes = c.clusterNames.filter((n) => n.startsWith('GatewayClass/')).map((n) => n.slice('GatewayClass/'.length));
  if (classes.length > 0) await cluster.kubectlRun(['delete', 'gatewayclass', '--ignore-not-found', '--wait=false', ...classes]);
  if (c.namespaces.length > 0) await cluster.kubectlRun(['delete', 'namespace', '--ignore-not-found', '--wait=false', ...c.namespaces]);
}

async function removeLeftovers(kind: string): Promise<void> {
  const names = (await cluster.kubectlRun(['get', kind, '-o', 'name'])).split('\n')
    .map((s) => s.trim().split('/')[1] ?? '').filter((n) => /^parity-\d+-/.test(n) && !alive(Number(n.split('-')[1])));
  if (names.length > 0) await cluster.kubectlRun(['delete', kind, '--ignore-not-found', '--wait=false', ...names]);
}

/** Whether a process with this PID exists: the names of a parity run still in progress are left alone. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function listCases(dirPath = ROOT, prefix = ''): string[] {
  return readdirSync(dirPath, { withFileTypes: true }).flatMap((e) => e.isDirectory()
    ? listCases(join(dirPath, e.name), `${prefix}${e.name}/`)
    : e.name.endsWith('.in.yaml') ? [`${prefix}${e.name.slice(0, -'.in.yaml'.length)}`] : []).sort();
}
