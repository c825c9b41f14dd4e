// The request-target, normalised once before matching so routing cannot be bypassed by spelling the same path
// differently (`/public/../admin`, `/public/%2e%2e/admin`). The upstream receives the same normalised path, so what
// a route matched is what its backend serves.

export type RequestTarget = {
  path: string;
  /** Query string without `?`, kept exactly as sent. */
  rawQuery: string;
  /** The authority of an absolute-form target (`GET http://host:8080/x`), which replaces Host (RFC 7230 §5.4). */
  host?: string;
};

const ABSOLUTE = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)(.*)$/s;

/** Parses and normalises a request-target; null when it is not origin form or an http(s) absolute form. */
export function normalizeTarget(target: string): RequestTarget | null {
  let host: string | undefined;
  let rest = target;
  if (!target.startsWith('/')) {
    const m = ABSOLUTE.exec(target);
    if (m === null) return null;
    const scheme = m[1].toLowerCase();
    if ((scheme !== 'http' && scheme !== 'https') || m[2] === '' || m[2].includes('@')) return null;
    host = m[2];
    rest = m[3].startsWith('/') ? m[3] : `/${m[3]}`;
  }
  const hash = rest.indexOf('#');
  if (hash !== -1) rest = rest.slice(0, hash);
  const q = rest.indexOf('?');
  const rawPath = q === -1 ? rest : rest.slice(0, q);
  const rawQuery = q === -1 ? '' : rest.slice(q + 1);
  const path = removeDotSegments(decodeUnreserved(rawPath));
  return host === undefined ? { path, rawQuery } : { path, rawQuery, host };
}

const UNRESERVED = /[A-Za-z0-9\-._~]/;

/** RFC 3986 §6.2.2.2: %XX of an unreserved character is that character; other escapes keep upper-case hex. */
export function decodeUnreserved(path: string): string {
  if (!path.includes('%')) return path;
  return path.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) => {
    const ch = String.fromCharCode(parseInt(hex, 16));
    return UNRESERVED.test(ch) ? ch : `%${hex.toUpperCase()}`;
  });
}

/** RFC 3986 §5.2.4 remove_dot_segments, for an absolute path; the result always starts with `/`. */
export function removeDotSegments(path: string): string {
  if (!path.includes('.')) return path;
  const out: string[] = [];
  const segments = path.split('/');
  // segments[0] is the empty string before the leading slash.
  for (let i = 1; i < segments.length; i++) {
    const seg = segments[i];
    const last = i === segments.length - 1;
    if (seg === '.' || seg === '..') {
      if (seg === '..') out.pop();
      // A trailing dot segment still names a directory: `/a/b/..` is `/a/`.
      if (last) out.push('');
      continue;
    }
    out.push(seg);
  }
  return '/' + out.join('/');
}
