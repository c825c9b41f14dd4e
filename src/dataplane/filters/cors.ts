// The CORS filter: preflights are answered by the gateway itself; other requests from an allowed origin get the
// allow/expose headers on whatever answer they receive. Origins are matched at config time into plain predicates.
import type { IncomingHttpHeaders } from 'node:http';
import type * as ir from '../../ir/types.ts';
import type { HeaderBag, HeaderEdit } from './header-modifier.ts';

export type CompiledCors = {
  /** Headers for the gateway's own answer to a preflight (no CORS headers when the origin is not allowed). */
  preflight(headers: IncomingHttpHeaders): HeaderBag;
  /** The response edit for a non-preflight request, or null when it carries no allowed Origin. */
  actual(headers: IncomingHttpHeaders): HeaderEdit | null;
};

type OriginPredicate = (o: ParsedOrigin) => boolean;
type ParsedOrigin = { scheme: string; host: string; port: string };

const ORIGIN = /^([a-z][a-z0-9+.-]*):\/\/([^/:?#]+|\[[^\]]+\])(?::([0-9]{1,5}))?$/i;
const DEFAULT_PORT: Record<string, string> = { http: '80', https: '443' };

/** A preflight asks the gateway, not the backend: OPTIONS with Origin and Access-Control-Request-Method. */
export function isPreflight(method: string, headers: IncomingHttpHeaders): boolean {
  return method === 'OPTIONS' && headers.origin !== undefined && headers['access-control-request-method'] !== undefined;
}

export function compileCors(p: ir.CorsPolicy): CompiledCors {
  const allowed = p.allowOrigins.map(compileOrigin);
  const originAllowed = (origin: string | undefined): origin is string => {
    if (origin === undefined) return false;
    const parsed = parseOrigin(origin);
    return allowed.some((a) => a === 'any' || (parsed !== null && a(parsed)));
  };
  const methods = p.allowMethods.includes('*') ? null : p.allowMethods.join(', ');
  const allowHeaders = p.allowHeaders.includes('*') ? null : p.allowHeaders.join(', ');
  // With credentials, `*` means the literal header name to browsers: list nothing rather than mislead.
  const expose = p.exposeHeaders.includes('*') ? (p.allowCredentials ? '' : '*') : p.exposeHeaders.join(', ');
  const common = (origin: string, out: HeaderBag) => {
    // Echoing the origin is valid with and without credentials; `*` would be refused by browsers with them.
    out['access-control-allow-origin'] = origin;
    if (p.allowCredentials) out['access-control-allow-credentials'] = 'true';
    if (expose !== '') out['access-control-expose-headers'] = expose;
  };
  return {
    preflight(headers) {
      const out: HeaderBag = { vary: 'Origin' };
      const origin = headers.origin;
      if (!originAllowed(origin)) return out;
      common(origin, out);
      const method = headers['access-control-request-method'];
      const allowMethods = methods ?? method;
      if (allowMethods !== undefined && allowMethods !== '') out['access-control-allow-methods'] = allowMethods;
      const requested = headers['access-control-request-headers'];
      if (requested !== undefined && requested !== '') {
        const value = allowHeaders ?? requested;
        if (value !== '') out['access-control-allow-headers'] = value;
      }
      out['access-control-max-age'] = String(p.maxAgeSeconds);
      return out;
    },
    actual(headers) {
      const origin = headers.origin;
      if (!originAllowed(origin)) return null;
      return (out) => {
        common(origin, out);
        const vary = out.vary;
        out.vary = vary === undefined ? 'Origin' : `${Array.isArray(vary) ? vary.join(', ') : vary}, Origin`;
      };
    },
  };
}

function parseOrigin(origin: string): ParsedOrigin | null {
  const m = ORIGIN.exec(origin);
  if (m === null) return null;
  const scheme = m[1].toLowerCase();
  return { scheme, host: m[2].toLowerCase(), port: m[3] ?? DEFAULT_PORT[scheme] ?? '' };
}

/** `*` alone allows any origin; otherwise scheme and port must be equal and `*.` matches one or more labels. */
function compileOrigin(pattern: string): OriginPredicate | 'any' {
  if (pattern === '*') return 'any';
  const m = /^([a-z][a-z0-9+.-]*):\/\/([^/:?#]+)(?::([0-9]{1,5}))?$/i.exec(pattern);
  if (m === null) return () => false;
  const scheme = m[1].toLowerCase();
  const port = m[3] ?? DEFAULT_PORT[scheme] ?? '';
  const host = m[2].toLowerCase();
  const hostMatches: (h: string) => boolean =
    host === '*' ? () => true
      : host.startsWith('*.') ? ((suffix) => (h) => h.length > suffix.length && h.endsWith(suffix))(host.slice(1))
        : (h) => h === host;
  return (o) => o.scheme === scheme && o.port === port && hostMatches(o.host);
}
