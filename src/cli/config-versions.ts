// Config versions for `portico run`: a Gateway whose config did not change keeps its version (so the data plane
// reuses what it compiled), a changed one gets a new version. Deciding that by comparing with the previous config
// stops at the first difference; hashing the whole config (contentVersion) serialised all of it on every change,
// ~10-20 ms at 3,000 routes, on the path from a file write to the first request served.
import { randomBytes } from 'node:crypto';
import type { GatewayKey, ProxyConfig } from '../ir/types.ts';

export class ConfigVersions {
  readonly #previous = new Map<GatewayKey, ProxyConfig>();
  // Versions are unique within this process and unlikely to repeat across restarts; 12 hex digits like contentVersion.
  #next = randomBytes(6).readUIntBE(0, 6);

  /** The configs with their versions; remembers them for the next call. */
  assign(configs: readonly ProxyConfig[]): ProxyConfig[] {
    const out = configs.map((c) => {
      const prev = this.#previous.get(c.gateway);
      const version = prev !== undefined && sameConfig(prev, c) ? prev.version : this.#fresh();
      return { ...c, version };
    });
    this.#previous.clear();
    for (const c of out) this.#previous.set(c.gateway, c);
    return out;
  }

  #fresh(): string {
    this.#next = (this.#next + 1) % 2 ** 48;
    return this.#next.toString(16).padStart(12, '0');
  }
}

/** Equal as JSON would serialise them, the version aside. */
export function sameConfig(a: ProxyConfig, b: ProxyConfig): boolean {
  return sameJson({ ...a, version: '' }, { ...b, version: '' });
}

/** Deep equality of plain JSON-like data: equal as JSON.stringify would write them, key order aside. */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ra = a as Record<string, unknown>, rb = b as Record<string, unknown>;
  const ka = Object.keys(ra), kb = Object.keys(rb);
  let defined = 0;
  for (let i = 0; i < ka.length; i++) {
    const v = ra[ka[i]];
    if (v === undefined) continue; // JSON leaves undefined out: {x: undefined} is {}
    defined++;
    if (!sameJson(v, rb[ka[i]])) return false;
  }
  for (let i = 0; i < kb.length; i++) if (rb[kb[i]] !== undefined) defined--;
  return defined === 0;
}
