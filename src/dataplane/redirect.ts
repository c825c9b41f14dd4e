// RequestRedirect: builds the Location header per the Gateway API rules for scheme, hostname, port and path.
import type * as ir from '../ir/types.ts';
import { rewritePath } from './path-rewrite.ts';

const DEFAULT_PORT = { http: 80, https: 443 } as const;

export type RedirectRequest = {
  scheme: 'http' | 'https';
  /** Request host without port, lower-case. */
  host: string;
  /** The listener port the request arrived on. */
  listenerPort: number;
  path: string;
  rawQuery: string;
};

export function buildLocation(action: ir.RedirectAction, req: RedirectRequest, prefix: string | null): string {
  const scheme = action.scheme ?? req.scheme;
  const host = action.hostname ?? req.host;
  // No port given: a redirect that names a scheme goes to that scheme's well-known port; otherwise the request
  // stays on the port it came in on.
  const port = action.port ?? (action.scheme !== undefined ? DEFAULT_PORT[action.scheme] : req.listenerPort);
  const authority = port === DEFAULT_PORT[scheme] ? bracket(host) : `${bracket(host)}:${port}`;
  const path = action.path === undefined ? req.path : rewritePath(req.path, action.path, prefix);
  const query = req.rawQuery === '' ? '' : `?${req.rawQuery}`;
  return `${scheme}://${authority}${path}${query}`;
}

function bracket(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}
