// One request through one snapshot: select a route, then redirect, answer directly, or forward. The snapshot is
// read once at the start, so a config swap never changes the rules under a request already running.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AccessLogEntry } from './contract.ts';
import { dropHopByHop, upstreamHeaders } from './headers.ts';
import { hostWithoutPort } from './hosts.ts';
import type { Metrics } from './metrics.ts';
import { forward } from './proxy.ts';
import { buildLocation } from './redirect.ts';
import { normalizeTarget, type RequestTarget } from './request-target.ts';
import { answerInvalidHeaders, sendText } from './respond.ts';
import type { CompiledRoute, Router } from './router.ts';

const CLIENT_CLOSED = 499;

export type Snapshot = {
  gateway: string;
  port: number;
  router: Router;
};

export type HandlerContext = {
  metrics: Metrics;
  accessLog: ((entry: AccessLogEntry) => void) | null;
  warn: (message: string) => void;
};

type Outcome = { listener: string | null; route: string | null; backend: string | null };

export function handleRequest(snap: Snapshot, ctx: HandlerContext, req: IncomingMessage, res: ServerResponse): void {
  const started = performance.now();
  const target = normalizeTarget(req.url ?? '/');
  // Absolute form (`GET http://host/x`): the target's authority replaces any Host header (RFC 7230 §5.4).
  if (target?.host !== undefined) req.headers.host = target.host;
  const host = hostWithoutPort(req.headers.host);
  const method = req.method ?? 'GET';
  const selection = target === null ? null : snap.router.selectView(host, { method, path: target.path, rawQuery: target.rawQuery, headers: req.headers });
  const outcome: Outcome = { listener: selection?.listener ?? null, route: selection?.route.name ?? null, backend: null };

  res.once('close', () => {
    const ms = performance.now() - started;
    // Nothing was sent: the client went away first. 499 says so, as nginx does, instead of a 200 never written.
    const status = res.headersSent ? res.statusCode : CLIENT_CLOSED;
    // The status line went out but the body did not finish: not the success its status says.
    const truncated = res.headersSent && !res.writableFinished;
    ctx.metrics.record({ gateway: snap.gateway, ...outcome, status, truncated, seconds: ms / 1000 });
    ctx.accessLog?.({
      time: new Date().toISOString(),
      gateway: snap.gateway,
      ...outcome,
      method,
      host,
      path: req.url ?? '/',
      status,
      truncated,
      durationMs: Math.round(ms * 1000) / 1000,
    });
  });

  if (target === null) return sendText(res, 400, 'the request-target must be an absolute path or an http(s) URL', []);
  if (selection === null) return sendText(res, 404, 'no route matches this request', []);
  try {
    dispatch(snap, selection.route, host, target, req, res, outcome);
  } catch (err) {
    // Route data is user input: whatever it makes throw costs this request, never the process.
    answerInvalidHeaders(res, err);
  }
}

function dispatch(
  snap: Snapshot,
  route: CompiledRoute,
  host: string,
  target: RequestTarget,
  req: IncomingMessage,
  res: ServerResponse,
  outcome: Outcome,
): void {
  const action = route.route.action;
  switch (action.type) {
    case 'Redirect': {
      const location = buildLocation(action, { scheme: schemeOf(req), host, listenerPort: snap.port, path: target.path, rawQuery: target.rawQuery }, route.prefix);
      return sendText(res, action.statusCode, '', route.filters.response, { location });
    }
    case 'DirectResponse':
      return sendText(res, action.status, action.body ?? '', route.filters.response);
    case 'Forward':
      return forwardRoute(route, target, req, res, outcome);
  }
}

function forwardRoute(route: CompiledRoute, target: RequestTarget, req: IncomingMessage, res: ServerResponse, outcome: Outcome): void {
  const edits = route.filters.response;
  const cluster = route.backends?.pick();
  if (cluster === undefined) return sendText(res, 500, 'route has no backend with a non-zero weight', edits);
  if (cluster === null) return sendText(res, 500, 'route backend reference is invalid', edits);
  outcome.backend = cluster.name;
  const endpoint = cluster.endpoints.next();
  if (endpoint === undefined) return sendText(res, 503, 'no usable endpoint for this backend', edits);

  const headers = upstreamHeaders({ headers: req.headers, host: req.headers.host, remoteAddress: req.socket.remoteAddress }, schemeOf(req));
  const up = { path: target.path, rawQuery: target.rawQuery, headers };
  for (const edit of route.filters.request) edit(up);
  dropHopByHop(up.headers);
  forward(req, res, endpoint.pool, up, edits, (failure) => {
    if (res.headersSent) return void res.destroy();
    res.setHeader('x-portico-error', failure.code);
    sendText(res, failure.status, failure.message, edits);
  });
}

/** The scheme the client used: TLS sockets (HTTPS listeners) carry `encrypted`. */
function schemeOf(req: IncomingMessage): 'http' | 'https' {
  return (req.socket as { encrypted?: boolean }).encrypted === true ? 'https' : 'http';
}
