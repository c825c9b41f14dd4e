// Gateway API precedence across every route on a listener (HTTPRouteRule and GRPCRouteRule godoc), as one total order:
// route hostname specificity, then path (Exact > RegularExpression > longest PathPrefix), method, header count,
// query count; ties go to the oldest route, then `namespace/name`, then rule order, then match order.
// RegularExpression's rank is implementation-specific in the spec; Portico puts it between Exact and PathPrefix
// (longer patterns first) so a regex is not shadowed by a catch-all prefix.
import type * as ir from '../ir/types.ts';
import { compareHostnames } from './hostnames.ts';

export type Ranked = {
  /** The effective route hostname that brought this route into the virtual host. */
  hostname: string;
  route: ir.HttpRoute;
  /** creationTimestamp (RFC 3339) or undefined. */
  created?: string;
  /** Filled by the first comparison: parsing the time and joining the name in every one of n·log n was most of a sort. */
  createdMs?: number;
  sourceName?: string;
};

const PATH_RANK = { Exact: 0, RegularExpression: 1, PathPrefix: 2 } as const;

export function comparePrecedence(a: Ranked, b: Ranked): number {
  return (a.hostname === b.hostname ? 0 : compareHostnames(a.hostname, b.hostname))
    || compareMatch(a.route.match, b.route.match)
    || compareRankedCreated(a, b)
    || cmp(a.sourceName ??= `${a.route.source.namespace}/${a.route.source.name}`, b.sourceName ??= `${b.route.source.namespace}/${b.route.source.name}`)
    || a.route.source.rule - b.route.source.rule
    || a.route.source.match - b.route.source.match;
}

export function compareMatch(a: ir.HttpMatch, b: ir.HttpMatch): number {
  // GRPCRoute: most characters in the service, then in the method, then most header matches, whatever the match
  // type (GRPCRouteRule godoc). An HTTPRoute and a GRPCRoute never share a hostname (the newer one is refused).
  if (a.grpc && b.grpc) {
    return b.grpc.service - a.grpc.service || b.grpc.method - a.grpc.method || b.headers.length - a.headers.length;
  }
  const pa = a.path ?? { type: 'PathPrefix', value: '/' };
  const pb = b.path ?? { type: 'PathPrefix', value: '/' };
  return PATH_RANK[pa.type] - PATH_RANK[pb.type]
    || (pa.type === 'Exact' ? 0 : pb.value.length - pa.value.length)
    || Number(b.method !== undefined) - Number(a.method !== undefined)
    || b.headers.length - a.headers.length
    || b.query.length - a.query.length;
}

/** Missing timestamps sort after present ones (as if newest) so the order stays total; each time is parsed once. */
function compareRankedCreated(a: Ranked, b: Ranked): number {
  if (a.created === b.created) return 0;
  if (a.created === undefined) return 1;
  if (b.created === undefined) return -1;
  const ta = a.createdMs ??= Date.parse(a.created), tb = b.createdMs ??= Date.parse(b.created);
  if (Number.isNaN(ta) || Number.isNaN(tb)) return cmp(a.created, b.created);
  return ta - tb;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
