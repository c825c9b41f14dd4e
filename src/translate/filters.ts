// HTTPRoute filters → IR filters and redirect actions. Unsupported filters are reported, never silently dropped.
import type * as gw from '../api/gateway.ts';
import type * as ir from '../ir/types.ts';
import { headerNameProblem, headerValueProblem, hostnameProblem, pathValueProblem } from '../ir/validate.ts';
import { translateCors, type HTTPCORSFilter } from './cors.ts';
import { translateExternalAuth, type HTTPExternalAuthFilter } from './external-auth.ts';
import { translateMirror, type RefContext } from './mirror.ts';

export type RuleFilters = { filters: ir.HttpFilter[]; redirect?: ir.RedirectAction; problems: string[] };

const REDIRECT_CODES = new Set([301, 302, 303, 307, 308]);

/** Filters a backendRef may carry: they edit the request to, and the answer from, that backend, or redirect instead. */
const BACKEND_FILTERS: ReadonlySet<string> = new Set(['RequestHeaderModifier', 'ResponseHeaderModifier', 'URLRewrite', 'RequestRedirect']);

/**
 * `at` names the rule (or backendRef) for messages; `prefixOnly` says every match of the rule is a PathPrefix match;
 * `refs` resolves mirror backends; null means the filters belong to a backendRef.
 */
export function translateFilters(filters: readonly gw.HTTPRouteFilter[], at: string, prefixOnly: boolean, refs: RefContext | null): RuleFilters {
  const out: RuleFilters = { filters: [], problems: [] };
  for (const [i, f] of filters.entries()) {
    const where = `${at}.filters[${i}]`;
    if (refs === null && !BACKEND_FILTERS.has(f.type)) {
      out.problems.push(`${where}: filter type ${f.type} is not supported on a backendRef; use RequestHeaderModifier, ResponseHeaderModifier, URLRewrite or RequestRedirect there, or move it to the rule's filters`);
      continue;
    }
    switch (f.type) {
      case 'RequestHeaderModifier':
        out.filters.push({ type: 'RequestHeaderModifier', modifier: headerModifier(f.requestHeaderModifier, `${where}.requestHeaderModifier`, out.problems) });
        break;
      case 'ResponseHeaderModifier':
        out.filters.push({ type: 'ResponseHeaderModifier', modifier: headerModifier(f.responseHeaderModifier, `${where}.responseHeaderModifier`, out.problems) });
        break;
      case 'RequestRedirect': {
        const r = f.requestRedirect ?? {};
        const statusCode = r.statusCode ?? 302;
        if (!REDIRECT_CODES.has(statusCode)) {
          out.problems.push(`${where}: redirect statusCode ${statusCode} is not supported; use 301, 302, 303, 307 or 308`);
          break;
        }
        if (r.scheme !== undefined && r.scheme !== 'http' && r.scheme !== 'https') {
          out.problems.push(`${where}.requestRedirect.scheme ${JSON.stringify(r.scheme)} is not supported; use http or https`);
          break;
        }
        checkHostname(r.hostname, `${where}.requestRedirect.hostname`, out.problems);
        const path = pathModifier(r.path, where, 'requestRedirect', prefixOnly, out.problems);
        out.redirect = {
          type: 'Redirect', statusCode: statusCode as ir.RedirectAction['statusCode'],
          ...(r.scheme ? { scheme: r.scheme } : {}), ...(r.hostname ? { hostname: r.hostname } : {}),
          ...(r.port !== undefined ? { port: r.port } : {}), ...(path ? { path } : {}),
        };
        break;
      }
      case 'URLRewrite': {
        const r = f.urlRewrite ?? {};
        checkHostname(r.hostname, `${where}.urlRewrite.hostname`, out.problems);
        const path = pathModifier(r.path, where, 'urlRewrite', prefixOnly, out.problems);
        out.filters.push({ type: 'URLRewrite', ...(r.hostname ? { hostname: r.hostname } : {}), ...(path ? { path } : {}) });
        break;
      }
      case 'RequestMirror': {
        const m = translateMirror(f.requestMirror, where, refs!, out.problems);
        if (m) out.filters.push(m);
        break;
      }
      case 'CORS': {
        if (out.filters.some((x) => x.type === 'CORS')) {
          out.problems.push(`${where}: only one CORS filter is allowed per rule; merge them`);
          break;
        }
        const cors = translateCors((f as { cors?: HTTPCORSFilter }).cors, `${where}.cors`, out.problems);
        out.filters.push({ type: 'CORS', cors });
        break;
      }
      case 'ExternalAuth': {
        if (out.filters.some((x) => x.type === 'ExternalAuth')) {
          out.problems.push(`${where}: only one ExternalAuth filter is allowed per rule; keep one`);
          break;
        }
        const a = translateExternalAuth((f as { externalAuth?: HTTPExternalAuthFilter }).externalAuth, where, refs!, out.problems);
        if (a) out.filters.push(a);
        break;
      }
      default:
        out.problems.push(`${where}: filter type ${f.type} is not supported yet; remove it (supported: RequestHeaderModifier, ResponseHeaderModifier, RequestRedirect, URLRewrite, RequestMirror, CORS, ExternalAuth)`);
    }
  }
  if (out.redirect && out.filters.some((f) => f.type === 'URLRewrite')) {
    out.problems.push(`${at}: RequestRedirect and URLRewrite cannot be used together; keep one`);
  }
  // The redirect is answered before anything is asked upstream: an authorization check there would never run.
  if (out.redirect && out.filters.some((f) => f.type === 'ExternalAuth')) {
    out.problems.push(`${at}: RequestRedirect and ExternalAuth cannot be used together (the redirect would be answered unchecked); put the redirect on its own rule`);
  }
  return out;
}

/** Names and values go to sockets as written; one CR or LF would make Node throw while answering. */
function headerModifier(m: gw.HTTPHeaderFilter | undefined, at: string, problems: string[]): ir.HeaderModifier {
  for (const op of ['set', 'add'] as const) {
    for (const [i, h] of (m?.[op] ?? []).entries()) {
      const p = headerNameProblem(h.name) ?? headerValueProblem(h.value);
      if (p) problems.push(`${at}.${op}[${i}]: ${p}; fix or remove it`);
    }
  }
  for (const [i, name] of (m?.remove ?? []).entries()) {
    const p = headerNameProblem(name, false);
    if (p) problems.push(`${at}.remove[${i}]: ${p}; fix or remove it`);
  }
  return {
    set: (m?.set ?? []).map((h) => ({ name: h.name, value: h.value })),
    add: (m?.add ?? []).map((h) => ({ name: h.name, value: h.value })),
    remove: [...(m?.remove ?? [])],
  };
}

function checkHostname(hostname: string | undefined, at: string, problems: string[]): void {
  const p = hostname === undefined ? undefined : hostnameProblem(hostname);
  if (p) problems.push(`${at}: ${p}; use a plain DNS name such as example.com`);
}

function pathModifier(
  p: gw.HTTPPathModifier | undefined, where: string, filter: string, prefixOnly: boolean, problems: string[],
): ir.PathModifier | undefined {
  if (!p) return undefined;
  const checked = (value: string, field: string): string | undefined => {
    const problem = pathValueProblem(value);
    if (problem) problems.push(`${where}.${filter}.path.${field}: ${problem}`);
    return problem ? undefined : value;
  };
  if (p.type === 'ReplaceFullPath') {
    const value = checked(p.replaceFullPath ?? '/', 'replaceFullPath');
    return value === undefined ? undefined : { type: 'ReplaceFullPath', value };
  }
  if (p.type === 'ReplacePrefixMatch') {
    if (!prefixOnly) {
      problems.push(`${where}: ReplacePrefixMatch needs every match of the rule to be a PathPrefix match; change the matches or use ReplaceFullPath`);
      return undefined;
    }
    const value = checked(p.replacePrefixMatch ?? '/', 'replacePrefixMatch');
    return value === undefined ? undefined : { type: 'ReplacePrefixMatch', value };
  }
  problems.push(`${where}: path modifier type ${String((p as { type?: unknown }).type)} is not supported; use ReplaceFullPath or ReplacePrefixMatch`);
  return undefined;
}
