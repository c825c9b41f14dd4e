// Small builders for IR in data-plane tests; defaults keep each test about the one thing it checks.
import type * as ir from '../../src/ir/types.ts';

type RouteOpts = {
  path?: ir.HttpMatch['path'];
  headers?: ir.HttpMatch['headers'];
  query?: ir.HttpMatch['query'];
  method?: string;
  filters?: ir.HttpFilter[];
  action?: ir.RouteAction;
};

export function route(name: string, opts: RouteOpts = {}): ir.HttpRoute {
  const match: ir.HttpMatch = { headers: opts.headers ?? [], query: opts.query ?? [] };
  if (opts.path) match.path = opts.path;
  if (opts.method) match.method = opts.method;
  return {
    name,
    source: { kind: 'HTTPRoute', namespace: 'default', name, rule: 0, match: 0 },
    match,
    filters: opts.filters ?? [],
    action: opts.action ?? forwardTo(['a', 1]),
  };
}

export function forwardTo(...backends: [string | null, number][]): ir.ForwardAction {
  return { type: 'Forward', backends: backends.map(([cluster, weight]) => ({ cluster, weight })) };
}

export const prefix = (value: string) => ({ type: 'PathPrefix' as const, value });
export const exact = (value: string) => ({ type: 'Exact' as const, value });
export const regex = (value: string) => ({ type: 'RegularExpression' as const, value });

export function vhost(hostname: string, routes: ir.HttpRoute[]): ir.VirtualHost {
  return { hostname, routes };
}

export function lhost(listener: string, hostname: string | null, virtualHosts: ir.VirtualHost[]): ir.ListenerHost {
  return { listener, hostname, virtualHosts };
}

/** One listener on `port` with one catch-all listener host holding `routes` under `*`. */
export function simpleListener(port: number, routes: ir.HttpRoute[]): ir.HttpListener {
  return { protocol: 'HTTP', port, hosts: [lhost('http', null, [vhost('*', routes)])] };
}

/** Named as the config's `backends` key, as validateProxyConfig asks. */
export function cluster(name: string, endpoints: ir.Endpoint[]): ir.BackendCluster {
  return { name, protocol: 'http1', endpoints, lb: 'RoundRobin' };
}

export function config(opts: {
  gateway?: string;
  version?: string;
  addresses?: string[];
  listeners: ir.HttpListener[];
  backends?: Record<string, ir.Endpoint[]>;
}): ir.ProxyConfig {
  const backends: Record<string, ir.BackendCluster> = {};
  for (const [name, endpoints] of Object.entries(opts.backends ?? {})) backends[name] = cluster(name, endpoints);
  return {
    gateway: (opts.gateway ?? 'default/gw') as ir.GatewayKey,
    // Empty: never reused by version, so tests may change a config's content without bumping it.
    version: opts.version ?? '',
    addresses: opts.addresses ?? ['127.0.0.1'],
    listeners: opts.listeners,
    backends,
  };
}

export const local = (port: number): ir.Endpoint => ({ address: '127.0.0.1', port });
