// One request through one snapshot: select a route, then redirect, answer directly, or forward. The snapshot is
// read once at the start, so a config swap never changes the rules under a request already running.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import type { AccessLogEntry } from './contract.ts';
import { dropHopByHop, upstreamHeaders } from './headers.ts';
import { hostWithoutPort } from './hosts.ts';
import type { Metrics } from './metrics.ts';
import { forward, type ProxyFailure } from './proxy.ts';
import { buildLocation } from './redirect.ts';
import { normalizeTarget, type RequestTarget } from './request-target.ts';
import { answerInvalidHeaders, sendText } from './respond.ts';
import { forwardWithPolicy } from './filters/attempts.ts';
import { isPreflight } from './filters/cors.ts';
import type { HeaderEdit } from './filters/header-modifier.ts';
import { sendMirrors } from './filters/mirror.ts';
import { pickBackend, requestHasBody, type BackendPick } from './filters/route-policy.ts';
import type { UpstreamRequest } from './filters/types.ts';
import type { RedirectAction } from '../ir/types.ts';
import type { CompiledRoute, Router } from './router.ts';
import type { RuntimeCluster, UsableEndpoint } from './upstream.ts';
import { isTunnel, openTunnel } from './upgrade.ts';

const CLIENT_CLOSED = 499;

export type Snapshot = {
  gateway: string;
  port: number;
  router: Router;
  /** HTTPS only: whether the connection's SNI chose another listener than this request's Host (answered 421). */
  misdirected?: (req: IncomingMessage, host: string) => boolean;
};

export type HandlerContext = {
  metrics: Metrics;
  accessLog: ((entry: AccessLogEntry) => void) | null;
  warn: (message: string) => void;
  /** Plain-HTTP ports take the HTTP/1.1 fast path (http1/connection.ts) for the requests it handles. */
  http1FastPath?: boolean;
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
  if (snap.misdirected?.(req, host) === true) {
    return sendText(res, 421, 'this connection was opened for another listener (TLS server name); open a new connection for this host', []);
  }
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
  let responseEdits = route.filters.response;
  const cors = route.policy?.cors;
  if (cors) {
    // The gateway answers preflights itself, whatever the action; an allowed origin's other requests get headers.
    if (isPreflight(req.method ?? 'GET', req.headers)) return sendText(res, 204, '', responseEdits, cors.preflight(req.headers) as Record<string, string>);
    const edit = cors.actual(req.headers);
    if (edit !== null) responseEdits = [...responseEdits, edit];
  }
  switch (action.type) {
    case 'Redirect': {
      const location = buildLocation(action, { scheme: schemeOf(req), host, listenerPort: snap.port, path: target.path, rawQuery: target.rawQuery }, route.prefix);
      return sendText(res, action.statusCode, '', responseEdits, { location });
    }
    case 'DirectResponse':
      return sendText(res, action.status, action.body ?? '', responseEdits);
    case 'Forward':
      return forwardRoute(snap, host, route, target, req, res, outcome, responseEdits);
  }
}

function forwardRoute(
  snap: Snapshot, host: string, route: CompiledRoute, target: RequestTarget, req: IncomingMessage, res: ServerResponse, outcome: Outcome,
  routeEdits: readonly HeaderEdit[],
): void {
  const policy = route.policy;
  // Session persistence: the endpoint the request's token names, when it still exists, replaces the balancing.
  const sticky = policy?.session ? policy.session.choose(req.headers, schemeOf(req) === 'https', () => pickBackend(policy, route.backends)) : null;
  const picked = sticky !== null ? sticky.backend : pickBackend(policy, route.backends);
  if (picked === undefined) return sendText(res, 500, 'route has no backend with a non-zero weight', routeEdits);
  // A backendRef's response filters run first, then the rule's: the rule has the last word on what the client sees.
  let edits = picked.filters ? [...picked.filters.response, ...routeEdits] : routeEdits;
  if (sticky?.edit) edits = [...edits, sticky.edit];
  const cluster = picked.cluster;
  if (cluster === null) return sendText(res, 500, 'route backend reference is invalid', edits);
  outcome.backend = cluster.name;
  const auth = policy?.auth ?? null;
  if (picked.redirect !== null && auth === null) return redirectTo(snap, host, route, target, req, res, picked.redirect, edits);
  const managed = policy !== null && (policy.attempts !== null || policy.mirrors.length > 0 || auth !== null);
  const endpoint = sticky !== null ? sticky.endpoint : managed ? undefined : cluster.endpoints.next();
  if ((sticky !== null || !managed) && endpoint === undefined && picked.redirect === null) return sendText(res, 503, 'no usable endpoint for this backend', edits);

  const headers = upstreamHeaders({ headers: req.headers, host: req.headers.host, remoteAddress: req.socket.remoteAddress }, schemeOf(req));
  const up = { path: target.path, rawQuery: target.rawQuery, headers };
  for (const edit of route.filters.request) edit(up);
  dropHopByHop(up.headers);
  const body = requestHasBody(req.headers) ? (req as Readable) : null;
  // The authorization service sees the request as the rule's filters left it; nothing goes upstream before it allows.
  if (auth !== null) {
    return auth.check(req, res, up, body, edits, (checked) => {
      if (picked.redirect !== null) return redirectTo(snap, host, route, target, req, res, picked.redirect, edits);
      sendUpstream(route, req, res, picked, cluster, endpoint, managed, sticky !== null, up, checked, edits);
    });
  }
  sendUpstream(route, req, res, picked, cluster, endpoint, managed, sticky !== null, up, body, edits);
}

function redirectTo(
  snap: Snapshot, host: string, route: CompiledRoute, target: RequestTarget, req: IncomingMessage, res: ServerResponse,
  action: RedirectAction, edits: readonly HeaderEdit[],
): void {
  const location = buildLocation(action, { scheme: schemeOf(req), host, listenerPort: snap.port, path: target.path, rawQuery: target.rawQuery }, route.prefix);
  sendText(res, action.statusCode, '', edits, { location });
}

function sendUpstream(
  route: CompiledRoute, req: IncomingMessage, res: ServerResponse, picked: BackendPick, cluster: RuntimeCluster,
  endpoint: UsableEndpoint | undefined, managed: boolean, pinned: boolean, up: UpstreamRequest, clientBody: Readable | null, edits: readonly HeaderEdit[],
): void {
  const policy = route.policy;
  let body = clientBody;
  // Mirrors see the request as the rule's filters left it, before any backendRef's own filters.
  if (policy !== null && policy.mirrors.length > 0) body = sendMirrors(policy.mirrors, req.method ?? 'GET', up, body) ?? body;
  if (picked.filters) {
    for (const edit of picked.filters.request) edit(up);
    dropHopByHop(up.headers);
  }
  const onFailure = (failure: ProxyFailure) => {
    if (res.headersSent) return void res.destroy();
    res.setHeader('x-portico-error', failure.code);
    sendText(res, failure.status, failure.message, edits);
  };
  // An HTTP/1.1 upgrade (WebSocket): one connection to one endpoint, nothing to retry or time out once it opened.
  if (isTunnel(req)) {
    const tunnelEnd = endpoint ?? cluster.endpoints.next();
    if (tunnelEnd === undefined) return sendText(res, 503, 'no usable endpoint for this backend', edits);
    return openTunnel(req, res, tunnelEnd, up, edits, onFailure);
  }
  if (!managed && endpoint !== undefined) return forward(req, res, endpoint.pool, up, edits, onFailure);
  // A pinned session stays on its endpoint for every attempt: the token the client gets names it.
  const next = pinned ? () => endpoint : () => cluster.endpoints.next();
  forwardWithPolicy(req, res, next, up, body, edits, policy?.attempts ?? {}, onFailure, policy?.budgets?.get(cluster.name));
}

/** The scheme the client used: TLS sockets (HTTPS listeners) carry `encrypted`. */
function schemeOf(req: IncomingMessage): 'http' | 'https' {
  return (req.socket as { encrypted?: boolean }).encrypted === true ? 'https' : 'http';
}
