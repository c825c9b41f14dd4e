// Listener `tls.options` → ir.TlsOptions. Keys under portico.dev/ are Portico's own (the spec reserves unprefixed
// keys and leaves domain-prefixed ones to implementations); keys of other domains are left to whoever owns them.
import type * as ir from '../ir/types.ts';
import { isTls13Suite, MODERN_CIPHERS } from '../ir/tls-defaults.ts';

export const MIN_VERSION_KEY = 'portico.dev/min-version';
export const CIPHERS_KEY = 'portico.dev/ciphers';

const VERSIONS: Readonly<Record<string, ir.TlsOptions['minVersion']>> = {
  '1.2': 'TLSv1.2', 'tlsv1.2': 'TLSv1.2', '1.3': 'TLSv1.3', 'tlsv1.3': 'TLSv1.3',
};

export type ParsedTlsOptions = { ok: true; options?: ir.TlsOptions } | { ok: false; problem: string };

/** Problems name the key (`tls.options["portico.dev/ciphers"] …`). No options (or only other domains' keys): `options` absent. */
export function parseTlsOptions(raw: Readonly<Record<string, string>> | undefined): ParsedTlsOptions {
  const options: ir.TlsOptions = {};
  for (const [key, value] of Object.entries(raw ?? {})) {
    const at = `tls.options[${JSON.stringify(key)}]`;
    if (key === MIN_VERSION_KEY) {
      const v = VERSIONS[String(value).trim().toLowerCase()];
      if (!v) return { ok: false, problem: `${at} is ${JSON.stringify(value)}; use "1.2" or "1.3" (TLS below 1.2 is not offered)` };
      options.minVersion = v;
    } else if (key === CIPHERS_KEY) {
      const names = String(value).split(/[,:\s]+/).filter((n) => n !== '');
      const unknown = names.filter((n) => !MODERN_CIPHERS.includes(n));
      if (names.length === 0 || unknown.length > 0) {
        const what = names.length === 0 ? 'is empty' : `names unsupported cipher(s) ${unknown.join(', ')}`;
        return { ok: false, problem: `${at} ${what}; list, separated by commas, some of ${MODERN_CIPHERS.join(', ')}` };
      }
      options.ciphers = [...new Set(names)];
    } else if (key.startsWith('portico.dev/')) {
      return { ok: false, problem: `${at}: unknown Portico option; Portico reads ${MIN_VERSION_KEY} and ${CIPHERS_KEY}` };
    }
  }
  if (options.minVersion === 'TLSv1.3' && options.ciphers && !options.ciphers.some(isTls13Suite)) {
    return { ok: false, problem: `tls.options: ${CIPHERS_KEY} lists only TLS 1.2 ciphers but ${MIN_VERSION_KEY} is 1.3; add a TLS_* suite or lower the minimum version` };
  }
  return { ok: true, ...(Object.keys(options).length > 0 ? { options } : {}) };
}
