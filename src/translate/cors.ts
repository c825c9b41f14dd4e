// The CORS filter → IR CorsPolicy, with the checks the CRD's validation may not have made (file mode has none).
import type * as ir from '../ir/types.ts';
import { headerNameProblem } from '../ir/validate.ts';

/** `spec.rules[].filters[].cors` (Gateway API v1.3+); not yet in our API types. */
export type HTTPCORSFilter = {
  allowOrigins?: string[];
  allowCredentials?: boolean;
  allowMethods?: string[];
  allowHeaders?: string[];
  exposeHeaders?: string[];
  maxAge?: number;
};

const ORIGIN = /^(\*|https?:\/\/(\*|(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)(:[0-9]{1,5})?)$/i;
const METHOD = /^[A-Z]+$/;
const DEFAULT_MAX_AGE = 5;

export function translateCors(c: HTTPCORSFilter | undefined, at: string, problems: string[]): ir.CorsPolicy {
  const origins = c?.allowOrigins ?? [];
  for (const [i, o] of origins.entries()) {
    if (!ORIGIN.test(o)) problems.push(`${at}.allowOrigins[${i}]: ${JSON.stringify(o)} is not an origin; use "*" or scheme://host[:port], where host may start with "*."`);
  }
  const methods = c?.allowMethods ?? [];
  for (const [i, m] of methods.entries()) {
    if (m !== '*' && !METHOD.test(m)) problems.push(`${at}.allowMethods[${i}]: ${JSON.stringify(m)} is not an HTTP method; use names such as GET or "*"`);
  }
  for (const field of ['allowHeaders', 'exposeHeaders'] as const) {
    for (const [i, h] of (c?.[field] ?? []).entries()) {
      const p = h === '*' ? undefined : headerNameProblem(h, false);
      if (p) problems.push(`${at}.${field}[${i}]: ${p}; use a header name or "*"`);
    }
  }
  for (const field of ['allowOrigins', 'allowMethods', 'allowHeaders'] as const) {
    const list = c?.[field] ?? [];
    if (list.includes('*') && list.length > 1) problems.push(`${at}.${field}: "*" cannot be listed with other values; keep only "*" or remove it`);
  }
  const maxAge = c?.maxAge ?? DEFAULT_MAX_AGE;
  if (!Number.isInteger(maxAge) || maxAge < 1) problems.push(`${at}.maxAge: ${maxAge} must be a whole number of seconds, at least 1`);
  return {
    allowOrigins: [...origins],
    allowMethods: [...methods],
    allowHeaders: [...(c?.allowHeaders ?? [])],
    exposeHeaders: [...(c?.exposeHeaders ?? [])],
    allowCredentials: c?.allowCredentials === true,
    maxAgeSeconds: maxAge,
  };
}
