// A small fake API server on 127.0.0.1 for the Kubernetes source's tests: discovery, lists (items without kind, as
// the real server sends them; paged when asked with limit/continue) and watches fed by `send`.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';

const GW = 'gateway.networking.k8s.io';

export class FakeApiServer {
  server = http.createServer((req, res) => this.#handle(req, res));
  watchers = new Map<string, http.ServerResponse[]>();
  lists = new Map<string, unknown[]>();
  /** Every list and watch request, path and query, in order. */
  requests: string[] = [];
  /** The resourceVersion lists report. */
  version = '10';
  /** Paths whose lists and watches are refused, with this status. */
  refused = new Map<string, number>();
  served: Record<string, string[]> = {
    '/api/v1': ['namespaces', 'services', 'secrets', 'configmaps'],
    [`/apis/${GW}/v1`]: ['gatewayclasses', 'gateways', 'httproutes', 'grpcroutes', 'tlsroutes', 'tcproutes', 'udproutes', 'referencegrants', 'listenersets', 'backendtlspolicies'],
    '/apis/gateway.networking.x-k8s.io/v1alpha1': ['xbackendtrafficpolicies'],
    [`/apis/${GW}/v1beta1`]: ['referencegrants'],
    '/apis/discovery.k8s.io/v1': ['endpointslices'],
  };

  async start(): Promise<string> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  send(path: string, type: string, object: unknown): void {
    for (const w of this.watchers.get(path) ?? []) w.write(JSON.stringify({ type, object }) + '\n');
  }

  /** Ends the open watches of `path` as the API server does when their resourceVersion is too old. */
  expire(path: string): void {
    this.send(path, 'ERROR', { kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 410, reason: 'Expired', message: 'too old resource version' });
    for (const w of this.watchers.get(path) ?? []) w.end();
    this.watchers.delete(path);
  }

  close(): void {
    for (const ws of this.watchers.values()) for (const w of ws) w.destroy();
    this.server.closeAllConnections();
    this.server.close();
  }

  #handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url!, 'http://x');
    const discovery = this.served[url.pathname];
    if (discovery) return void res.end(JSON.stringify({ resources: discovery.map((name) => ({ name })) }));
    this.requests.push(`${url.pathname}${url.search}`);
    const refusal = this.refused.get(url.pathname);
    if (refusal) return void res.writeHead(refusal, { 'content-type': 'application/json' }).end(JSON.stringify({ kind: 'Status', code: refusal, message: 'httproutes is forbidden' }));
    if (url.searchParams.get('watch') === 'true') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.flushHeaders();
      this.watchers.set(url.pathname, [...(this.watchers.get(url.pathname) ?? []), res]);
      res.on('close', () => this.watchers.set(url.pathname, (this.watchers.get(url.pathname) ?? []).filter((w) => w !== res)));
      return;
    }
    const all = this.lists.get(url.pathname) ?? [];
    const from = Number(url.searchParams.get('continue') ?? 0);
    const limit = Number(url.searchParams.get('limit') ?? 0) || all.length;
    const next = from + limit < all.length ? String(from + limit) : undefined;
    res.end(JSON.stringify({ metadata: { resourceVersion: this.version, ...(next ? { continue: next } : {}) }, items: all.slice(from, from + limit) }));
  }
}

export function fakeKubeConfig(server: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'fake', server, skipTLSVerify: true }],
    users: [{ name: 'me' }],
    contexts: [{ name: 'fake', cluster: 'fake', user: 'me' }],
    currentContext: 'fake',
  });
  return kc;
}

/** Polls until `check` holds; the test runner's timeout bounds it. */
export async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 10));
}
