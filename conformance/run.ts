// `npm run conformance`: the official Gateway API conformance suite against Portico, end to end.
// Builds what is missing, brings up the test cluster (its own network namespace), installs the CRDs,
// starts the pod impersonator (conformance/pods) and `portico controller --infrastructure host`, runs
// the suite with the five GATEWAY-* profiles and the features of src/api/features.ts, writes the report
// and summary, and tears everything down. `-- --run-test NAME` runs one test.
import type { ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SUPPORTED_FEATURES } from '../src/api/features.ts';
import { CONTROLLER_NAME } from '../src/api/gateway.ts';
import { startCluster } from '../test/cluster/cluster.ts';
import type { Cluster } from '../test/cluster/cluster.ts';
import { ensureBinary, moduleDir, suiteVersion } from './runner/binary.ts';
import { markdownTable, outcomesText, profileRows, testOutcomes } from './runner/summary.ts';

const PROFILES = ['GATEWAY-HTTP', 'GATEWAY-TLS', 'GATEWAY-GRPC', 'GATEWAY-TCP', 'GATEWAY-UDP'];
const GATEWAY_CLASS = 'portico';
const ADDRESS_POOL = '10.250.0.0/24';
const USABLE_ADDRESS = '10.250.0.254';
const repoRoot = join(moduleDir, '..');

const { values } = parseArgs({
  options: {
    'run-test': { type: 'string' },
    keep: { type: 'boolean', default: false },
    debug: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
  strict: true,
});
if (values.help) {
  console.log(`Usage: npm run conformance [-- --run-test NAME] [-- --keep] [-- --debug]
  --run-test NAME  run one conformance test (its ShortName, e.g. HTTPRouteSimpleSameNamespace)
  --keep           leave the cluster up afterwards (PORTICO_CLUSTER_KEEP semantics; 'npm run cluster -- down' with PORTICO_CLUSTER=portico-conformance removes it)
  --debug          the suite's --debug: dump every request and response`);
  process.exit(0);
}

const workDir = process.env.PORTICO_CONFORMANCE_DIR ?? '/tmp/portico-conformance';
mkdirSync(workDir, { recursive: true });
const t0 = Date.now();
const log = (line: string) => console.log(`[conformance +${Math.round((Date.now() - t0) / 1000)}s] ${line}`);
const version = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;

const children: ChildProcess[] = [];
let cluster: Cluster | undefined;

async function main(): Promise<number> {
  const binary = await ensureBinary(log);
  if (values.keep) process.env.PORTICO_CLUSTER_KEEP = '1';
  const clusterName = process.env.PORTICO_CLUSTER ?? 'portico-conformance';
  log(`bringing the cluster up (cluster name ${clusterName})`);
  cluster = await startCluster({ name: clusterName });
  await cluster.kubectlRun(['apply', '-f', '-'], gatewayClassYaml());
  await namespacesGone(cluster);

  const pods = spawnLogged(cluster, 'pods', [join(moduleDir, 'pods', 'main.ts'), '--kubeconfig', cluster.kubeconfig, '--log-dir', join(workDir, 'pod-logs')]);
  await waitForLine(pods, 'READY', 'the pod impersonator (conformance/pods/main.ts)');
  spawnLogged(cluster, 'controller', [join(repoRoot, 'bin', 'portico.js'), 'controller', '--kubeconfig', cluster.kubeconfig,
    '--infrastructure', 'host', '--gateway-address-pool', ADDRESS_POOL, '--admin', '127.0.0.1:9901', '--no-leader-elect']);

  const runTest = values['run-test'];
  const reportPath = runTest ? join(workDir, `report-${runTest}.yaml`) : join(moduleDir, 'reports', `portico-${version}.yaml`);
  mkdirSync(join(reportPath, '..'), { recursive: true });
  const suiteArgs = ['-test.run', '^TestPortico$', '-test.v', '-test.timeout', '0',
    `--gateway-class=${GATEWAY_CLASS}`, `--conformance-profiles=${PROFILES.join(',')}`, `--report-output=${reportPath}`,
    '--organization=portico', '--project=portico', '--url=https://github.com/portico/portico', `--version=v${version}`,
    '--contact=@portico/maintainers', '--mode=default',
    // GatewayStaticAddresses: one address local in the namespace (the top of the pool range, which the pool
    // reaches last) and one that exists nowhere there (TEST-NET-1).
    `--usable-address=${USABLE_ADDRESS}`, '--unusable-address=192.0.2.1'];
  if (runTest) suiteArgs.push(`--run-test=${runTest}`);
  if (values.debug) suiteArgs.push('--debug');
  log(`running the suite ${suiteVersion()} (${runTest ? `test ${runTest}` : PROFILES.join(', ')}); output in ${join(workDir, 'suite.log')}`);
  const suite = spawnLogged(cluster, 'suite', suiteArgs, binary, {
    KUBECONFIG: cluster.kubeconfig,
    PORTICO_SUPPORTED_FEATURES: SUPPORTED_FEATURES.join(','),
    PORTICO_VERSION: `v${version}`,
  }, true);
  const code = await new Promise<number>((resolve) => suite.on('close', (c) => resolve(c ?? 1)));

  const output = readFileSync(join(workDir, 'suite.log'), 'utf8');
  const outcomes = testOutcomes(output);
  log(`suite exited ${code}: ${outcomesText(outcomes)}`);
  writeFileSync(join(workDir, 'outcomes.json'), JSON.stringify(outcomes, null, 1) + '\n');
  if (existsSync(reportPath)) {
    const table = markdownTable(profileRows(readFileSync(reportPath, 'utf8')), SUPPORTED_FEATURES, PROFILES);
    if (!runTest) writeFileSync(join(moduleDir, 'reports', 'summary.md'), table);
    console.log(`\n${table}\nreport: ${reportPath}`);
  }
  return code;
}

/**
 * The suite deletes its namespaces at the end without waiting; a run started right after another (a kept
 * cluster) would fail creating objects in a namespace that is still terminating.
 */
async function namespacesGone(c: Cluster): Promise<void> {
  for (let i = 0; i < 180; i++) {
    const list = await c.kubectlJson<{ items: { metadata: { name: string }; status?: { phase?: string } }[] }>(['get', 'namespaces']);
    const terminating = list.items.filter((n) => n.metadata.name.startsWith('gateway-conformance') && n.status?.phase === 'Terminating');
    if (terminating.length === 0) return;
    if (i === 0) log(`waiting for namespaces of an earlier run to go: ${terminating.map((n) => n.metadata.name).join(', ')}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new Error('namespaces of an earlier run are still terminating after 180 s; run `PORTICO_CLUSTER=portico-conformance npm run cluster -- down` and try again');
}

function gatewayClassYaml(): string {
  return `apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata:
  name: ${GATEWAY_CLASS}
spec:
  controllerName: ${CONTROLLER_NAME}
`;
}

/** Starts a program inside the cluster's namespace (a Node program unless `file` is given), its output going to <workDir>/<name>.log. */
function spawnLogged(c: Cluster, name: string, args: string[], file = process.execPath, env: Record<string, string> = {}, echo = false): ChildProcess {
  const out = createWriteStream(join(workDir, `${name}.log`));
  const child = c.spawnIn(file, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env }, cwd: repoRoot });
  child.stdout!.pipe(out, { end: false });
  child.stderr!.pipe(out, { end: false });
  if (echo) child.stdout!.on('data', (d: Buffer) => {
    for (const line of d.toString().split('\n')) if (/^\s*--- (PASS|FAIL): TestPortico\/[^/\s]+ /.test(line)) log(line.trim());
  });
  child.on('close', (code, signal) => {
    if (name !== 'suite') log(`${name} exited (${signal ?? code}); its log: ${join(workDir, `${name}.log`)}`);
  });
  children.push(child);
  return child;
}

function waitForLine(child: ChildProcess, line: string, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`${what} did not print ${line} within 120 s; see ${workDir}`)), 120_000);
    child.stdout!.on('data', (d: Buffer) => {
      seen += d.toString();
      if (seen.split('\n').some((l) => l.trim() === line)) { clearTimeout(timer); resolve(); }
    });
    child.on('close', (code) => { clearTimeout(timer); reject(new Error(`${what} exited ${code} before it was ready; see ${workDir}`)); });
  });
}

async function teardown(): Promise<void> {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  await Promise.all(children.map((c) => c.exitCode !== null || c.signalCode !== null ? undefined
    : new Promise((r) => { const t = setTimeout(() => { c.kill('SIGKILL'); r(undefined); }, 10_000); c.on('close', () => { clearTimeout(t); r(undefined); }); })));
  await cluster?.stop();
}

// Ctrl-C or a CI timeout must not leave the cluster and the Gateways' addresses behind.
let stopping = false;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    if (stopping) return;
    stopping = true;
    log(`${sig}: stopping`);
    void teardown().finally(() => process.exit(130));
  });
}

let exitCode = 1;
try {
  exitCode = await main();
} catch (err) {
  console.error(`conformance: ${err instanceof Error ? err.message : String(err)}`);
} finally {
  await teardown();
  log(`done in ${Math.round((Date.now() - t0) / 1000)}s`);
}
process.exit(exitCode);
