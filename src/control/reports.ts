// From what a Gateway's proxies said to what its status says: live when every connected proxy applied the current
// version (their bind results then go through the same finalize() as host mode), pending while any lags behind.
import type { ApplyResult, ListenerBindResult } from '../ir/apply.ts';
import type { GatewayKey } from '../ir/types.ts';
import type { ProxyReport } from './stream.ts';

export type ProxiesState = {
  /** Proxies (pod names) with an open stream: the ones that serve. */
  connected: readonly string[];
  /** The latest report of each proxy. */
  reports: ReadonlyMap<string, ProxyReport>;
};

export type ProxiesSummary =
  | { state: 'live'; result: ApplyResult; proxies: number }
  | { state: 'pending'; message: string }
  | { state: 'failed'; message: string };

export function summarise(gateway: GatewayKey, version: string, s: ProxiesState): ProxiesSummary {
  if (s.connected.length === 0) return { state: 'pending', message: 'no proxy is connected to the controller yet' };
  const current = s.connected.map((p) => s.reports.get(p)).filter((r): r is ProxyReport => r !== undefined && r.version === version);
  const failed = current.filter((r) => r.error !== undefined || !r.result);
  if (failed.length > 0) {
    return { state: 'failed', message: `proxy ${failed[0]!.proxy} could not apply configuration ${version}: ${failed[0]!.error ?? 'no result'}` };
  }
  if (current.length < s.connected.length) {
    return { state: 'pending', message: `${current.length} of ${s.connected.length} connected proxies report configuration ${version} live` };
  }
  // One listener list for all proxies: a port that failed on any of them is not programmed.
  const seen = new Set<string>();
  const listeners: ListenerBindResult[] = [];
  for (const r of current) {
    for (const l of r.result!.listeners) {
      const k = `${l.address} ${l.port} ${l.bound} ${l.error ?? ''}`;
      if (!seen.has(k)) listeners.push(l);
      seen.add(k);
    }
  }
  return { state: 'live', result: { gateway, version, listeners }, proxies: current.length };
}
