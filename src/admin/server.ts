// The admin API: health, readiness, metrics, status and the live config. Read-only, loopback by default.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { formatHostPort } from '../ir/net.ts';
import { redact } from '../ir/redact.ts';

export type AdminSources = {
  registry: Registry;
  /** True once the first config is live in the data plane. */
  isReady: () => boolean;
  /** The `{items}` of `GET /status`, already in the shape Kubernetes stores. */
  status: () => unknown[];
  /** The live IR: one ProxyConfig per Gateway. */
  config: () => unknown[];
  /** With `run --workers N`: the metrics of every worker summed with `registry`'s (default: `registry` alone). */
  metrics?: () => Promise<Registry>;
  /** With `run --workers N`: each worker and the config version it runs per Gateway (GET /workers, and in /config). */
  workers?: () => unknown[];
};

export type AdminServer = {
  /** `http://host:port`, with the port actually bound (useful with port 0). */
  url: string;
  port: number;
  close(): Promise<void>;
};

export async function startAdminServer(host: string, port: number, sources: AdminSources): Promise<AdminServer> {
  const server = http.createServer((req, res) => {
    handle(req, res, sources).catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: `admin: ${(err as Error)?.message ?? err}` });
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `http://${formatHostPort(host, bound)}`,
    port: bound,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function handle(req: http.IncomingMessage, res: http.ServerResponse, s: AdminSources): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://admin').pathname;
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('allow', 'GET, HEAD');
    return sendJson(res, 405, { error: `${req.method} is not supported on the admin API; use GET` });
  }
  switch (path) {
    case '/healthz':
      return sendText(res, 200, 'ok\n');
    case '/readyz':
      return s.isReady() ? sendText(res, 200, 'ready\n') : sendText(res, 503, 'not ready: the first config is not live yet\n');
    case '/metrics': {
      const registry = s.metrics ? await s.metrics() : s.registry;
      const body = await registry.metrics();
      res.writeHead(200, { 'content-type': registry.contentType, 'content-length': Buffer.byteLength(body) });
      return void res.end(req.method === 'HEAD' ? undefined : body);
    }
    case '/status':
      return sendJson(res, 200, { items: s.status() });
    case '/config':
      return sendJson(res, 200, s.workers ? { items: redact(s.config()), workers: s.workers() } : { items: redact(s.config()) });
    case '/workers':
      if (s.workers) return sendJson(res, 200, { workers: s.workers() });
      return sendJson(res, 404, { error: 'no data-plane workers: this process serves in-process; start `portico run --workers N` to have them' });
    default:
      return sendJson(res, 404, { error: `no admin endpoint ${path}; try /healthz, /readyz, /metrics, /status, /config or /workers` });
  }
}

function sendText(res: http.ServerResponse, code: number, body: string): void {
  res.writeHead(code, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function sendJson(res: http.ServerResponse, code: number, value: unknown): void {
  const body = JSON.stringify(value, null, 2) + '\n';
  res.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
