// Stable YAML for IR and status: same data → same bytes, for golden files, `portico validate` and config dumps.
import { stringify } from 'yaml';
import { redact } from './redact.ts';
import type { ProxyConfig } from './types.ts';

const OPTIONS = { lineWidth: 0, aliasDuplicateObjects: false } as const;

/**
 * Configs as a YAML list sorted by Gateway key. Object keys keep their construction order, which is fixed. Secret
 * material is digested (see redact.ts): golden files and dumps show that a certificate changed, never the key.
 */
export function serializeProxies(proxies: ReadonlyMap<string, ProxyConfig> | readonly ProxyConfig[]): string {
  const list = [...(Array.isArray(proxies) ? proxies : (proxies as ReadonlyMap<string, ProxyConfig>).values())]
    .sort((a, b) => (a.gateway < b.gateway ? -1 : a.gateway > b.gateway ? 1 : 0));
  return stringify(redact(list), OPTIONS);
}

/** Status entries as YAML, in the order given (translate sorts them by kind, namespace and name). */
export function serializeStatus(status: readonly unknown[]): string {
  return stringify(status, OPTIONS);
}
