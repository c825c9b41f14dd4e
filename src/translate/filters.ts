// HTTPRoute filters → IR filters and redirect actions. Unsupported filters are reported, never silently dropped.
import type * as gw from '../api/gateway.ts';
import type * as ir from '../ir/types.ts';

export type RuleFilters = { filters: ir.HttpFilter[]; redirect?: ir.RedirectAction; problems: string[] };

const REDIRECT_CODES = new Set([301, 302, 303, 307, 308]);

/** `at` names the rule for messages; `prefixOnly` says every match of the rule is a PathPrefix match. */
export function translateFilters(filters: readonly gw.HTTPRouteFilter[], at: string, prefixOnly: boolean): RuleFilters {
  const out: RuleFilters = { filters: [], problems: [] };
  for (const [i, f] of filters.entries()) {
    const where = `${at}.filters[${i}]`;
    switch (f.type) {
      case 'RequestHeaderModifier':
        out.filters.push({ type: 'RequestHeaderModifier', modifier: headerModifier(f.requestHeaderModifier) });
        break;
      case 'ResponseHeaderModifier':
        out.filters.push({ type: 'ResponseHeaderModifier', modifier: headerModifier(f.responseHeaderModifier) });
        break;
      case 'RequestRedirect': {
        const r = f.requestRedirect ?? {};
        const statusCode = r.statusCode ?? 302;
        if (!REDIRECT_CODES.has(statusCode)) {
          out.problems.push(`${where}: redirect statusCode ${statusCode} is not supported; use 301, 302, 303, 307 or 308`);
          break;
        }
        const path = pathModifier(r.path, where, prefixOnly, out.problems);
        out.redirect = {
          type: 'Redirect', statusCode: statusCode as ir.RedirectAction['statusCode'],
          ...(r.scheme ? { scheme: r.scheme } : {}), ...(r.hostname ? { hostname: r.hostname } : {}),
          ...(r.port !== undefined ? { port: r.port } : {}), ...(path ? { path } : {}),
        };
        break;
      }
      case 'URLRewrite': {
        const r = f.urlRewrite ?? {};
        const path = pathModifier(r.path, where, prefixOnly, out.problems);
        out.filters.push({ type: 'URLRewrite', ...(r.hostname ? { hostname: r.hostname } : {}), ...(path ? { path } : {}) });
        break;
      }
      default:
        out.problems.push(`${where}: filter type ${f.type} is not supported yet; remove it (supported: RequestHeaderModifier, ResponseHeaderModifier, RequestRedirect, URLRewrite)`);
    }
  }
  if (out.redirect && out.filters.some((f) => f.type === 'URLRewrite')) {
    out.problems.push(`${at}: RequestRedirect and URLRewrite cannot be used together; keep one`);
  }
  return out;
}

function headerModifier(m: gw.HTTPHeaderFilter | undefined): ir.HeaderModifier {
  return {
    set: (m?.set ?? []).map((h) => ({ name: h.name, value: h.value })),
    add: (m?.add ?? []).map((h) => ({ name: h.name, value: h.value })),
    remove: [...(m?.remove ?? [])],
  };
}

function pathModifier(p: gw.HTTPPathModifier | undefined, where: string, prefixOnly: boolean, problems: string[]): ir.PathModifier | undefined {
  if (!p) return undefined;
  if (p.type === 'ReplaceFullPath') return { type: 'ReplaceFullPath', value: p.replaceFullPath ?? '/' };
  if (p.type === 'ReplacePrefixMatch') {
    if (!prefixOnly) {
      problems.push(`${where}: ReplacePrefixMatch needs every match of the rule to be a PathPrefix match; change the matches or use ReplaceFullPath`);
      return undefined;
    }
    return { type: 'ReplacePrefixMatch', value: p.replacePrefixMatch ?? '/' };
  }
  problems.push(`${where}: path modifier type ${String((p as { type?: unknown }).type)} is not supported; use ReplaceFullPath or ReplacePrefixMatch`);
  return undefined;
}
