// HttpMatch → one predicate, built from plain closures over the route's data (never eval: route data is user input).
// Regular expressions run on RE2 (linear time): a user's pattern such as `(a+)+$` must not stall the event loop.
import { RE2JS } from 're2js';
import type * as ir from '../ir/types.ts';

/** What matching needs of a request; `params` caches the parsed query for the request's lifetime. */
export type RequestView = {
  method: string;
  /** Path without the query string, normalised (see request-target.ts): what routes match and upstreams receive. */
  path: string;
  /** Query string without `?`, as sent. */
  rawQuery: string;
  /** Lower-case names, as node:http gives them. */
  headers: Record<string, string | string[] | undefined>;
  params?: URLSearchParams;
};

export type Predicate = (req: RequestView) => boolean;

/** Compile problems are reported, not thrown: one bad regex must not take the other routes down. */
export type CompileProblem = { route: string; message: string };

export function compileMatch(route: string, match: ir.HttpMatch, problems: CompileProblem[]): Predicate {
  const checks: Predicate[] = [];
  if (match.method !== undefined) {
    const method = match.method.toUpperCase();
    checks.push((req) => req.method === method);
  }
  if (match.path !== undefined) checks.push(compilePath(route, match.path, problems));
  for (const h of match.headers) {
    const name = h.name.toLowerCase();
    const test = compileString(route, `header ${name}`, h, problems);
    checks.push((req) => {
      const value = req.headers[name];
      if (value === undefined) return false;
      return test(Array.isArray(value) ? value.join(',') : value);
    });
  }
  for (const q of match.query) {
    const test = compileString(route, `query parameter ${q.name}`, q, problems);
    checks.push((req) => {
      req.params ??= new URLSearchParams(req.rawQuery);
      const value = req.params.get(q.name);
      return value !== null && test(value);
    });
  }
  if (checks.length === 0) return () => true;
  if (checks.length === 1) return checks[0];
  return (req) => {
    for (const check of checks) if (!check(req)) return false;
    return true;
  };
}

function compilePath(route: string, path: NonNullable<ir.HttpMatch['path']>, problems: CompileProblem[]): Predicate {
  const value = path.value;
  switch (path.type) {
    case 'Exact':
      return (req) => req.path === value;
    case 'PathPrefix': {
      if (value === '/' || value === '') return () => true;
      const prefix = value.endsWith('/') ? value.slice(0, -1) : value;
      const withSlash = prefix + '/';
      // Segment boundary: `/foo` matches `/foo` and `/foo/bar`, never `/foobar`.
      return (req) => req.path === prefix || req.path.startsWith(withSlash);
    }
    case 'RegularExpression': {
      const re = fullMatch(route, 'path', value, problems);
      return (req) => re(req.path);
    }
  }
}

function compileString(route: string, what: string, m: ir.StringMatch, problems: CompileProblem[]): (v: string) => boolean {
  if (m.type === 'Exact') {
    const expected = m.value;
    return (v) => v === expected;
  }
  return fullMatch(route, what, m.value, problems);
}

const NEVER = () => false;

/** RE2JS.matches is a full match, as the Gateway API asks; compiled once here, never per request. */
function fullMatch(route: string, what: string, pattern: string, problems: CompileProblem[]): (v: string) => boolean {
  try {
    const re = RE2JS.compile(pattern);
    return (v) => re.matches(v);
  } catch (err) {
    problems.push({
      route,
      message: `${what} regular expression ${JSON.stringify(pattern)} is invalid (${(err as Error).message}); ` +
        'this match never succeeds until the expression is fixed',
    });
    return NEVER;
  }
}
