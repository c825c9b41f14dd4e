// Helpers for tests that run Portico against the real cluster: programs inside the network namespace.
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { CONTROLLER_NAME } from '../../src/api/gateway.ts';
import type { Cluster } from '../cluster/cluster.ts';

export const controllerEntry = fileURLToPath(new URL('./run-controller.ts', import.meta.url));

/** Runs a Node program inside the namespace and resolves to its trimmed stdout; rejects with stderr on a non-zero exit. */
export function nodeInside(cluster: Cluster, program: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = cluster.spawnIn(process.execPath, ['-e', program], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`node -e exited ${code}: ${err.trim()}`))));
  });
}

/** GET `url` from inside the namespace: `status body`, or `error CODE` when the connection fails. */
export function httpGet(cluster: Cluster, url: string): Promise<string> {
  return nodeInside(cluster, `
    fetch(${JSON.stringify(url)}, { signal: AbortSignal.timeout(10000) })
      .then(async (r) => console.log(r.status + ' ' + (await r.text())))
      .catch((e) => console.log('error ' + (e.cause?.code ?? e.message)));`);
}

/**
 * Starts an HTTP echo bound on each pod IP inside the namespace (kwok pods never run; this stands in for them).
 * It answers `pod <ip> <path>`. Resolves once every address is listening.
 */
export function startEcho(cluster: Cluster, ips: readonly string[], port: number): Promise<ChildProcess> {
  const program = `
    const http = require('node:http');
    let n = 0;
    for (const ip of ${JSON.stringify(ips)}) {
      http.createServer((req, res) => res.end('pod ' + ip + ' ' + req.url)).listen(${port}, ip, () => {
        if (++n === ${ips.length}) console.log('listening');
      });
    }`;
  return new Promise((resolve, reject) => {
    const p = cluster.spawnIn(process.execPath, ['-e', program], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    p.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    p.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('listening')) resolve(p);
    });
    p.on('error', reject);
    p.on('close', (code) => reject(new Error(`echo exited ${code} before listening: ${err.trim()}`)));
  });
}

/** Spawns the controller inside the namespace; `log()` returns what it wrote to stderr so far (for failure messages). */
export function startController(cluster: Cluster, args: string[]): { child: ChildProcess; log: () => string; adminUrl: () => Promise<string> } {
  const child = cluster.spawnIn(process.execPath, [controllerEntry, '--kubeconfig', cluster.kubeconfig, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let text = '';
  child.stderr!.on('data', (d: Buffer) => (text += d.toString()));
  const adminUrl = async () => {
    while (true) {
      const m = /admin API on (http:\/\/[\d.]+:\d+)/.exec(text);
      if (m) return m[1]!;
      if (child.exitCode !== null) throw new Error(`the controller exited ${child.exitCode}:\n${text}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  return { child, log: () => text, adminUrl };
}

/** Stops a child by its handle: SIGTERM, and resolves when it has exited. */
export function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** A Namespace, a GatewayClass of ours and Gateway `gw` with one HTTP listener on port 80: how most tests begin. */
export function gatewaySetup(ns: string, gatewayClass: string): string {
  return `
apiVersion: v1
kind: Namespace
metadata: {name: ${ns}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: ${gatewayClass}}
spec: {controllerName: ${CONTROLLER_NAME}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: ${ns}}
spec:
  gatewayClassName: ${gatewayClass}
  listeners: [{name: http, port: 80, protocol: HTTP}]
`;
}

/** HTTPRoute `r` on Gateway `gw`: PathPrefix `path` to Service `echo` port 80. */
export function echoRoute(ns: string, path: string): string {
  return `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r, namespace: ${ns}}
spec:
  parentRefs: [{name: gw}]
  rules: [{matches: [{path: {type: PathPrefix, value: ${path}}}], backendRefs: [{name: echo, port: 80}]}]
`;
}

/**
 * An `echo` Deployment (kwok pods: they never run) and its Service, port 80 → 3000, in `ns`. The test plays the
 * pods itself with `startEcho` on their IPs.
 */
export function echoBackend(ns: string, replicas: number): string {
  return `---
apiVersion: apps/v1
kind: Deployment
metadata: {name: echo, namespace: ${ns}}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: echo}}
  template:
    metadata: {labels: {app: echo}}
    spec:
      containers: [{name: echo, image: registry.k8s.io/pause:3.10, ports: [{containerPort: 3000}]}]
---
apiVersion: v1
kind: Service
metadata: {name: echo, namespace: ${ns}}
spec:
  selector: {app: echo}
  ports: [{name: http, port: 80, targetPort: 3000}]
`;
}
