// The conformance suite's backend pods, played by one process: watches Pods (kwok runs no containers)
// and serves each echo pod's protocols on its pod IP. Prints READY once existing pods are served.
//   node conformance/pods/main.ts --kubeconfig PATH --log-dir DIR
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { ClusterWatch } from './cluster-watch.ts';
import { isPlayable, podFingerprint, podFromSpec, serverKind } from './pod-spec.ts';
import { PodRunner } from './pod-runner.ts';
import { podLogPath, podLogWriter } from './pod-log.ts';
import { logEvent } from './log.ts';
import { kwokLogs } from './kwok-logs.ts';
import { startHttpEcho } from './http-echo.ts';
import { startGrpcEcho } from './grpc-echo.ts';
import { startTcpEcho } from './tcp-echo.ts';
import { startUdpEcho } from './udp-echo.ts';
import { startDnsServer } from './dns.ts';

function fail(message: string): never {
  process.stderr.write(`pods: ${message}\n`);
  process.exit(2);
}

const { values } = parseArgs({ options: { kubeconfig: { type: 'string' }, 'log-dir': { type: 'string' }, help: { type: 'boolean', short: 'h' } }, strict: true });
if (values.help) {
  console.log('Usage: node conformance/pods/main.ts --kubeconfig PATH --log-dir DIR   (KUBECONFIG is used when --kubeconfig is absent)');
  process.exit(0);
}
const kubeconfigPath = values.kubeconfig ?? process.env.KUBECONFIG;
if (!kubeconfigPath) fail('no kubeconfig: pass --kubeconfig PATH or set KUBECONFIG');
if (!values['log-dir']) fail('no log directory: pass --log-dir DIR (pod container logs are written under DIR/<namespace>/<pod>/<container>.log)');
const logDir = resolve(values['log-dir']);

const kc = new KubeConfig();
try {
  kc.loadFromFile(kubeconfigPath);
} catch (err) {
  fail(`cannot read kubeconfig ${kubeconfigPath}: ${(err as Error).message}`);
}

const runner = new PodRunner({
  starters: { http: startHttpEcho, grpc: startGrpcEcho, tcp: startTcpEcho, udp: startUdpEcho, dns: startDnsServer },
  log: logEvent,
});
const registerLogs = kwokLogs(kc);
const logsRegistered = new Set<string>();
let logsWarned = false;

/** Points kwok's `pods/log` at the pod's file, once per pod uid. Without it only the mirror tests suffer. */
function registerPodLogs(obj: V1Pod, key: string, container: string): void {
  const uid = obj.metadata?.uid ?? '';
  if (logsRegistered.has(uid)) return;
  logsRegistered.add(uid);
  const file = podLogPath(logDir, obj.metadata!.namespace!, obj.metadata!.name!, container);
  registerLogs({ namespace: obj.metadata!.namespace!, name: obj.metadata!.name!, uid, container, file }).catch((err: Error) => {
    logsRegistered.delete(uid);
    if (!logsWarned) logEvent('warn', `cannot create kwok Logs for pod ${key} (pods/log will not show its output; is the kwok Logs CRD installed?): ${err.message}`, { pod: key });
    logsWarned = true;
  });
}

const pending = new Set<Promise<void>>();
let watch: ClusterWatch | undefined;

function onPod(obj: V1Pod, deleted: boolean): void {
  const key = `${obj.metadata?.namespace}/${obj.metadata?.name}`;
  let done: Promise<void>;
  if (deleted || !isPlayable(obj)) done = runner.set(key, undefined);
  else {
    const container = obj.spec!.containers[0]!.name;
    const log = podLogWriter(logDir, obj.metadata!.namespace!, obj.metadata!.name!, container, (err) =>
      logEvent('warn', `cannot write the log of pod ${key} under ${logDir}: ${err.message}`, { pod: key }));
    const pod = podFromSpec(obj, watch!, log);
    if (serverKind(pod) !== 'mesh') registerPodLogs(obj, key, container);
    done = runner.set(key, pod, podFingerprint(obj));
  }
  pending.add(done);
  void done.finally(() => pending.delete(done));
}

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logEvent('info', `${signal}: closing every pod socket`);
  watch?.stop();
  await runner.closeAll();
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));

watch = new ClusterWatch({ kubeconfig: kc, log: logEvent, onPod });
await watch.start();
await Promise.all([...pending]);
logEvent('info', `initial pods served: ${runner.running().length}`);
process.stdout.write('READY\n');
