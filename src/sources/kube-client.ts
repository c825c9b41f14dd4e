// A thin JSON client for the API server. client-node's typed APIs turn timestamps into Date objects and drop
// `kind`/`apiVersion` from list items; the translator wants objects exactly as `kubectl get -o json` shows them.
import http from 'node:http';
import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';

/** An answer of the API server other than 2xx: `code` is the HTTP status (409 conflict, 404 not found, ...). */
export class KubeApiError extends Error {
  readonly code: number;
  constructor(code: number, message: string) {
    super(message);
    this.code = code;
  }
}

export type KubeClient = {
  /** The API server URL, for messages. */
  readonly server: string;
  request<T = unknown>(method: 'GET' | 'PUT' | 'PATCH' | 'POST' | 'DELETE', path: string, body?: unknown, contentType?: string): Promise<T>;
};

export function kubeClient(kc: KubeConfig): KubeClient {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('the kubeconfig has no current cluster; set current-context or pass --kubeconfig PATH');
  const server = cluster.server.replace(/\/+$/, '');
  return {
    server,
    async request<T>(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<T> {
      const url = new URL(server + path);
      const opts: https.RequestOptions = { method, headers: { accept: 'application/json' } };
      await kc.applyToHTTPSOptions(opts);
      const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
      if (payload) opts.headers = { ...opts.headers, 'content-type': contentType, 'content-length': payload.length };
      const text = await send(url, opts, payload);
      if (text.status < 200 || text.status > 299) {
        let reason = text.body.slice(0, 500);
        try {
          reason = (JSON.parse(text.body) as { message?: string }).message ?? reason;
        } catch {
          // not a Status object: keep the raw text
        }
        throw new KubeApiError(text.status, `${method} ${path}: ${text.status} ${reason}`);
      }
      return (text.body === '' ? undefined : JSON.parse(text.body)) as T;
    },
  };
}

function send(url: URL, opts: https.RequestOptions, payload?: Buffer): Promise<{ status: number; body: string }> {
  const lib = url.protocol === 'http:' ? http : https;
  return new Promise((resolve, reject) => {
    const req = lib.request(url, { ...opts, timeout: 30_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url.origin} within 30s`)));
    req.on('error', (err) => reject(new Error(`${opts.method} ${url.pathname}: cannot reach the API server at ${url.origin} (${(err as NodeJS.ErrnoException).code ?? err.message})`)));
    req.end(payload);
  });
}
