// One request through one snapshot: select a route, then redirect, answer directly, or forward. The snapshot is
// read once at the start, so a config swap never changes the rules under a request already running.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AccessLogEntry } from './contract.ts';
import type { HeaderEdit } from './filters/header-modifier.ts';
import type { UpstreamRequest } from './filters/types.ts';
import { upstreamHeaders } from './headers.ts';
import { hostWithoutPort } from './hosts.ts';
import type { RequestView } from './match.ts';
import type { Metrics } from './metrics.ts';
import { forward } from './proxy.ts';
import { buildLocation } from './redirect.ts';
import { splitPath, type CompiledRoute, type Router } from './router.ts';
import type { RuntimeCluster } from './upstream.ts';

const CLIENT_CLOSED = 499;

export type Snapshot = {
  gateway: string;
  port: number;
  router: Router;
  clusters: ReadonlyMap<string, RuntimeCluster>;
};

export type HandlerContext = {
  metrics: Metrics;
  accessLog: ((entry: AccessLogEntry) => void) | null;
  warn: (message: string) => void;
};

export function handleRequest(snap: Snapshot, ctx: HandlerContext, req: IncomingMessage, res: ServerResponse): void {
  const started = performance.now();
  const host = hostWithoutPort(req.headers.host);
  const { path, rawQuery } = splitPath(req.url ?? '/');
  const method = req.method ?? 'GET';
  const view: RequestView = { method, path, rawQuery, headers: req.headers };
  const selection = snap.router.selectView(host, view);
  const outcome = { listener: selection?.listener ?? null, route: selection?.route.name ?? null, backend: null as string | null };

  res.once('close', () => {
    const ms = performance.now() - started;
    // Nothing was sent: the client went away first. 499 says so, as nginx does, instead of a 200 never written.
    const status = res.headersSent ? res.statusCode : CLIENT_CLOSED;
    ctx.metrics.record({ gateway: snap.gateway, ...outcome, status, seconds: ms / 1000 });
    ctx.accessLog?.({
      time: new Date().toISOString(),
      gateway: snap.gateway,
      ...outcome,
      method,
      host,
      path: req.url ?? '/',
      status,
      durationMs: Math.round(ms * 1000) / 1000,
    });
  });

  if (selection === null) return sendText(res, 404, 'no route matches this request', []);
  const route = selection.route;
  const action = route.route.action;
  switch (action.type) {
    case 'Redirect': {
      const location = buildLocation(action, { scheme: 'http', host, listenerPort: snap.port, path, rawQuery }, route.prefix);
      return sendText(res, action.statusCode, '', route.filters.response, { location });
    }
    case 'DirectResponse':
      return sendText(res, action.status, action.body ?? '', route.filters.response);
    case 'Forward':
      return forwardRoute(snap, ctx, route, req, res, { path, rawQuery }, outcome);
  }
}

function forwardRoute(
  snap: Snapshot,
  ctx: HandlerContext,
  route: CompiledRoute,
  req: IncomingMessage,
  res: ServerResponse,
  url: { path: string; rawQuery: string },
  outcome: { backend: string | null },
): void {
  const edits = route.filters.response;
  const name = route.backends?.pick();
  if (name === undefined) return sendText(res, 500, 'route has no backend with a non-zero weight', edits);
  if (name === null) return sendText(res, 500, 'route backend reference is invalid', edits);
  outcome.backend = name;
  const cluster = snap.clusters.get(name);
  if (cluster === undefined) {
    ctx.warn(`route ${route.name}: backend ${name} is not in the config's backends; answering 500`);
    return sendText(res, 500, 'route backend is not configured', edits);
  }
  const endpoint = cluster.endpoints.next();
  if (endpoint === undefined) return sendText(res, 503, 'no usable endpoint for this backend', edits);

  const up: UpstreamRequest = { ...url, headers: upstreamHeaders(req, 'http') };
  for (const edit of route.filters.request) edit(up);
  forward(req, res, endpoint.pool, up, edits, (failure) => {
    if (res.headersSent) return void res.destroy();
    res.setHeader('x-portico-error', failure.code);
    sendText(res, failure.status, failure.message, edits);
  });
}

function sendText(
  res: ServerResponse,
  status: number,
  body: string,
  edits: readonly HeaderEdit[],
  extra: Record<string, string> = {},
): void {
  const headers: Record<string, string | string[] | number | undefined> = {
    ...extra,
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(body),
  };
  for (const edit of edits) edit(headers);
  res.writeHead(status, headers as Record<string, string | number>);
  res.end(body);
}
