// The install artefacts: the Helm chart renders and lints, deploy/portico.yaml is the chart rendered with default
// values (PORTICO_UPDATE_GOLDEN=1 rewrites it), and the rendered output and the persona roles really apply to the API
// server, with the controller's ServiceAccount allowed what it needs and denied the rest.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { startCluster, waitFor, type Cluster } from '../cluster/cluster.ts';

const repo = (p: string) => fileURLToPath(new URL(`../../${p}`, import.meta.url));
const CHART = repo('charts/portico');
const DEPLOY = repo('deploy/portico.yaml');
const NAMESPACE_FILE = repo('deploy/namespace.yaml');
const ROLES = repo('deploy/roles');
const NS = 'portico-system';
const SA = `system:serviceaccount:${NS}:portico`;
/** A second release with infrastructure kubernetes, to check the provisioning grants that the default leaves out. */
const K8S_NS = 'portico-install-k8s';
const K8S_SA = `system:serviceaccount:${K8S_NS}:portico-k8s`;
const TEAM = 'team-a';

const DEPLOY_HEADER = `# Generated: the Helm chart charts/portico rendered with its default values. Do not edit; see deploy/README.md.
# Regenerate with: PORTICO_UPDATE_GOLDEN=1 node --test test/kubernetes/install.test.ts
`;

type Doc = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string }; [k: string]: unknown };
type Run = { code: number; stdout: string; stderr: string };

function run(file: string, args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(file, args, { maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) =>
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : 1, stdout, stderr }));
  });
}

async function must(file: string, args: string[]): Promise<string> {
  const r = await run(file, args);
  if (r.code !== 0) throw new Error(`${file} ${args.join(' ')} failed (exit ${r.code}): ${r.stderr.trim()}`);
  return r.stdout;
}

const docs = (text: string): Doc[] => parseAllDocuments(text).map((d) => d.toJS() as Doc).filter((d) => d !== null);
const find = (list: Doc[], kind: string, name?: string) => list.find((d) => d.kind === kind && (name === undefined || d.metadata.name === name));

let helm: string;
let cluster: Cluster | undefined;
let rendered = '';

const template = (release: string, ns: string, ...set: string[]) =>
  must(helm, ['template', release, CHART, '--namespace', ns, ...set.flatMap((s) => ['--set', s])]);

/** Deletes what a killed run may have left, waiting until the namespaces are really gone (a terminating one refuses new objects). */
async function cleanUp(c: Cluster): Promise<void> {
  const del = (args: string[]) => c.kubectlRun(['delete', '--ignore-not-found', '--wait=true', '--timeout=120s', ...args]);
  await del(['-f', DEPLOY]).catch(() => {});
  await del(['-R', '-f', ROLES]).catch(() => {});
  await del(['clusterrole,clusterrolebinding', '-l', 'app.kubernetes.io/instance=portico-k8s']);
  await del(['namespace', NS, K8S_NS, TEAM]);
}

before(async () => {
  // helm is built (once per machine) while the cluster comes up.
  const [h, c] = await Promise.all([must('bash', [repo('test/cluster/helm.sh')]), startCluster()]);
  helm = h.trim();
  cluster = c;
  rendered = await template('portico', NS);
  await cleanUp(cluster);
});

after(async () => {
  if (!cluster) return;
  await cleanUp(cluster).catch((err: Error) => console.error(`install.test.ts: cleanup failed: ${err.message}`));
  await cluster.stop();
});

test('helm lint passes on the chart', async () => {
  await must(helm, ['lint', '--strict', CHART]);
});

test('the chart renders the controller, its RBAC and its disruption budget', () => {
  const d = docs(rendered);
  assert.deepEqual(d.map((x) => `${x.kind}/${x.metadata.name}`).sort(), [
    'ClusterRole/portico', 'ClusterRoleBinding/portico', 'Deployment/portico', 'PodDisruptionBudget/portico',
    'Role/portico-leader-election', 'RoleBinding/portico-leader-election', 'ServiceAccount/portico',
  ]);
  for (const x of d) if (!x.kind.startsWith('Cluster')) assert.equal(x.metadata.namespace, NS, `${x.kind} ${x.metadata.name} namespace`);
  type Container = { image: string; args: string[]; readinessProbe: { httpGet: { path: string; port: string } }; livenessProbe: { httpGet: { path: string; port: string } }; ports: { name: string; containerPort: number }[] };
  const pod = (find(d, 'Deployment') as unknown as { spec: { template: { spec: { serviceAccountName: string; containers: Container[] } } } }).spec.template.spec;
  const c = pod.containers[0]!;
  assert.equal(pod.serviceAccountName, 'portico');
  assert.equal(c.image, 'portico:0.1.0');
  assert.deepEqual(c.args.slice(0, 3), ['controller', '--admin=0.0.0.0:9901', '--infrastructure=host']);
  assert.deepEqual(c.ports, [{ name: 'admin', containerPort: 9901, protocol: 'TCP' }]);
  assert.deepEqual(c.readinessProbe.httpGet, { path: '/readyz', port: 'admin' });
  assert.deepEqual(c.livenessProbe.httpGet, { path: '/healthz', port: 'admin' });
});

test('infrastructure kubernetes adds the provisioning role; an unknown mode is refused with the value to use', async () => {
  const d = docs(await template('portico-k8s', K8S_NS, 'controller.infrastructure=kubernetes'));
  assert.ok(find(d, 'ClusterRole', 'portico-k8s-provisioner'));
  assert.ok(find(d, 'ClusterRoleBinding', 'portico-k8s-provisioner'));
  assert.equal(find(d, 'ClusterRole', 'portico-provisioner'), undefined);
  // The proxies dial the controller's Service, whose name the controller's certificate covers.
  const svc = find(d, 'Service', 'portico-k8s') as unknown as { spec: { ports: { port: number; targetPort: string }[] } };
  assert.deepEqual(svc.spec.ports.map((p) => [p.port, p.targetPort]), [[9902, 'config']]);
  const args = (find(d, 'Deployment', 'portico-k8s') as unknown as { spec: { template: { spec: { containers: { args: string[] }[] } } } }).spec.template.spec.containers[0]!.args;
  assert.ok(args.includes(`--proxy-controller-address=portico-k8s.${K8S_NS}.svc:9902`), args.join(' '));
  const bad = await run(helm, ['template', 'portico', CHART, '--set', 'controller.infrastructure=cloud']);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /controller\.infrastructure is "cloud"; use host or kubernetes/);
});

test('deploy/portico.yaml is the chart rendered with default values', () => {
  const want = DEPLOY_HEADER + rendered;
  if (process.env.PORTICO_UPDATE_GOLDEN === '1') writeFileSync(DEPLOY, want);
  assert.equal(readFileSync(DEPLOY, 'utf8'), want,
    'deploy/portico.yaml differs from `helm template portico charts/portico --namespace portico-system`; regenerate it with PORTICO_UPDATE_GOLDEN=1 node --test test/kubernetes/install.test.ts');
});

test('deploy/ and the persona roles apply to the API server and the objects exist', async () => {
  const c = cluster!;
  await c.kubectlRun(['apply', '-f', NAMESPACE_FILE, '-f', DEPLOY]);
  await c.kubectlRun(['create', 'namespace', TEAM]);
  await c.kubectlRun(['apply', '-R', '-f', ROLES]);
  const expected = [...docs(readFileSync(DEPLOY, 'utf8')), ...docs(readFileSync(NAMESPACE_FILE, 'utf8'))];
  const names = (await c.kubectlRun(['get', '-f', NAMESPACE_FILE, '-f', DEPLOY, '-o', 'name'])).trim().split('\n');
  assert.equal(names.length, expected.length, names.join(', '));
  const roles = (await c.kubectlRun(['get', '-R', '-f', ROLES, '-o', 'name'])).trim().split('\n').sort();
  assert.deepEqual(roles, [
    'clusterrole.rbac.authorization.k8s.io/portico:application-admin',
    'clusterrole.rbac.authorization.k8s.io/portico:application-developer',
    'clusterrole.rbac.authorization.k8s.io/portico:cluster-operator',
    'clusterrole.rbac.authorization.k8s.io/portico:infrastructure-provider',
    'clusterrolebinding.rbac.authorization.k8s.io/portico:cluster-operator:cluster-operators',
    'clusterrolebinding.rbac.authorization.k8s.io/portico:infrastructure-provider:platform-infra',
    'rolebinding.rbac.authorization.k8s.io/portico:application-admin:team-a-admins',
    'rolebinding.rbac.authorization.k8s.io/portico:application-developer:team-a-developers',
  ]);
  // kwok marks the pods Ready without running them: this proves the pod template is accepted, not the image.
  await waitFor('the portico Deployment to have 2 ready replicas', 120, async () => {
    const dep = await c.kubectlJson<{ status?: { readyReplicas?: number } }>(['-n', NS, 'get', 'deployment', 'portico']);
    return dep.status?.readyReplicas === 2 ? true : undefined;
  });
});

/** `kubectl auth can-i` as `who` (a ServiceAccount, or a user in a group): true for yes, false for no. */
async function canI(who: { as: string; group?: string }, verb: string, resource: string, where: string[]): Promise<boolean> {
  const c = cluster!;
  // can-i takes a subresource as a flag: `gateways/status` would ask about a resource of that name.
  const [res, sub] = resource.split('/');
  const args = ['auth', 'can-i', verb, res!, ...(sub ? [`--subresource=${sub}`] : []), ...where, `--as=${who.as}`, ...(who.group ? [`--as-group=${who.group}`] : [])];
  const r = await new Promise<Run>((resolve) => {
    const p = c.spawnIn(c.kubectl, ['--kubeconfig', c.kubeconfig, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout!.on('data', (b: Buffer) => (stdout += b));
    p.stderr!.on('data', (b: Buffer) => (stderr += b));
    p.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
  // can-i answers yes (exit 0) or no (exit 1); anything else is a broken question.
  if (r.stdout.trim() !== 'yes' && r.stdout.trim() !== 'no') throw new Error(`kubectl ${args.join(' ')}: ${r.stderr.trim()}`);
  return r.stdout.trim() === 'yes';
}

async function expectAccess(who: { as: string; group?: string }, rows: [boolean, string, string, ...string[]][]): Promise<void> {
  const wrong: string[] = [];
  for (const [want, verb, resource, ...where] of rows) {
    if ((await canI(who, verb, resource, where)) !== want) wrong.push(`${want ? 'should' : 'should not'} ${verb} ${resource} ${where.join(' ')}`);
  }
  assert.deepEqual(wrong, [], `${who.group ?? who.as}: ${wrong.join('; ')}`);
}

test('the controller ServiceAccount can do what it needs and no more', async () => {
  const all = ['--all-namespaces'];
  const other = ['-n', 'default'];
  await expectAccess({ as: SA }, [
    [true, 'list', 'gateways.gateway.networking.k8s.io', ...all],
    [true, 'watch', 'httproutes.gateway.networking.k8s.io', ...all],
    [true, 'get', 'gatewayclasses.gateway.networking.k8s.io'],
    [true, 'list', 'referencegrants.gateway.networking.k8s.io', ...all],
    [true, 'update', 'gateways.gateway.networking.k8s.io/status', ...other],
    [true, 'patch', 'httproutes.gateway.networking.k8s.io/status', ...other],
    [true, 'list', 'secrets', ...all],
    [true, 'watch', 'endpointslices.discovery.k8s.io', ...all],
    [true, 'create', 'leases.coordination.k8s.io', '-n', NS],
    [true, 'update', 'leases.coordination.k8s.io', '-n', NS],
    [true, 'create', 'events', ...other],
    // --host-service: a Service and EndpointSlice per Gateway served by this pod.
    [true, 'patch', 'services', ...other],
    [true, 'delete', 'endpointslices.discovery.k8s.io', ...other],
    [false, 'update', 'gateways.gateway.networking.k8s.io', ...other],
    [false, 'create', 'httproutes.gateway.networking.k8s.io', ...other],
    [false, 'delete', 'gatewayclasses.gateway.networking.k8s.io'],
    [false, 'get', 'secrets', ...other],
    [false, 'create', 'secrets', ...other],
    [false, 'update', 'configmaps', ...other],
    [false, 'create', 'leases.coordination.k8s.io', ...other],
    [false, 'delete', 'leases.coordination.k8s.io', '-n', NS],
    [false, 'create', 'deployments.apps', ...other],
    [false, 'create', 'serviceaccounts', ...other],
    [false, 'delete', 'namespaces'],
  ]);
});

test('with infrastructure kubernetes the ServiceAccount may also provision proxies', async () => {
  const c = cluster!;
  await c.kubectlRun(['create', 'namespace', K8S_NS]);
  await c.kubectlRun(['apply', '-f', '-'], await template('portico-k8s', K8S_NS, 'controller.infrastructure=kubernetes'));
  await expectAccess({ as: K8S_SA }, [
    [true, 'create', 'deployments.apps', '-n', 'default'],
    [true, 'delete', 'services', '-n', 'default'],
    [true, 'update', 'serviceaccounts', '-n', 'default'],
    [false, 'create', 'secrets', '-n', 'default'],
    [false, 'create', 'daemonsets.apps', '-n', 'default'],
    // The config stream: the proxies' CA ConfigMaps, TokenReview, and the serving certificate's Secret at home.
    [true, 'create', 'configmaps', '-n', 'default'],
    [true, 'create', 'tokenreviews.authentication.k8s.io'],
    [true, 'create', 'secrets', '-n', K8S_NS],
    // get and update only by name (portico-config-server-tls), so not on secrets in general.
    [false, 'update', 'secrets', '-n', K8S_NS],
  ]);
});

test('the persona roles grant each role its part of the Gateway API', async () => {
  const user = (group: string) => ({ as: `someone-in-${group}`, group });
  const gc = 'gatewayclasses.gateway.networking.k8s.io';
  const gw = 'gateways.gateway.networking.k8s.io';
  const hr = 'httproutes.gateway.networking.k8s.io';
  const team = ['-n', TEAM];
  const elsewhere = ['-n', 'default'];
  await expectAccess(user('platform-infra'), [[true, 'create', gc], [true, 'create', gw, ...elsewhere]]);
  await expectAccess(user('cluster-operators'), [
    [false, 'create', gc], [true, 'get', gc], [true, 'create', gw, ...elsewhere],
    [true, 'create', 'backendtlspolicies.gateway.networking.k8s.io', ...elsewhere], [true, 'create', 'referencegrants.gateway.networking.k8s.io', ...elsewhere],
  ]);
  await expectAccess(user('team-a-admins'), [[false, 'create', gc], [true, 'create', gw, ...team], [true, 'create', hr, ...team], [false, 'create', gw, ...elsewhere]]);
  await expectAccess(user('team-a-developers'), [
    [true, 'create', hr, ...team], [true, 'get', gw, ...team], [false, 'create', gw, ...team], [false, 'create', hr, ...elsewhere], [false, 'get', 'secrets', ...team],
  ]);
});
