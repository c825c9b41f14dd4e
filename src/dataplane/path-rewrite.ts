// Path rewriting shared by URLRewrite and RequestRedirect.
import type * as ir from '../ir/types.ts';

/**
 * The prefix a ReplacePrefixMatch replaces: the route's PathPrefix value (an Exact path is its own prefix; no path
 * match means `/`). A RegularExpression match has no prefix to replace: null, and the path is left alone.
 */
export function matchedPrefix(match: ir.HttpMatch): string | null {
  if (match.path === undefined) return '/';
  if (match.path.type === 'RegularExpression') return null;
  return match.path.value;
}

/**
 * Replaces `prefix` at the start of `path` (on a segment boundary, as matched) with `replacement`. The result never
 * holds `//` where the two meet and is never empty: `/foo/bar` with `/foo` → `/` gives `/bar`, `/foo` gives `/`.
 */
export function replacePrefix(path: string, prefix: string, replacement: string): string {
  const trimmedPrefix = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
  if (path !== trimmedPrefix && !path.startsWith(trimmedPrefix + '/')) return path;
  const rest = path.slice(trimmedPrefix.length);
  const head = replacement.endsWith('/') ? replacement.slice(0, -1) : replacement;
  const joined = head + rest;
  if (joined === '') return '/';
  return joined.startsWith('/') ? joined : '/' + joined;
}

/** Applies a PathModifier to `path`; `prefix` is from matchedPrefix(). */
export function rewritePath(path: string, modifier: ir.PathModifier, prefix: string | null): string {
  if (modifier.type === 'ReplaceFullPath') return modifier.value;
  return prefix === null ? path : replacePrefix(path, prefix, modifier.value);
}
