// Layer-4 backend choice: weighted across a route's backends per connection (or UDP client), round robin across the
// chosen cluster's endpoints. Endpoints the HTTP side refuses (loopback outside standalone mode) are refused here too.
import { isIP } from 'node:net';
import type * as ir from '../ir/types.ts';
import { compileWeightedChoice, roundRobin, type RoundRobin } from './balancer.ts';
import { refuseEndpoint } from './upstream.ts';

export type L4Target = { address: string; port: number; family: 4 | 6; cluster: string };

/** One target per call, or undefined: an unresolved share, an empty cluster, or no backend (the caller closes). */
export type L4Pick = () => L4Target | undefined;

export function compileL4Pick(
  backends: readonly ir.L4Backend[], clusters: Readonly<Record<string, ir.BackendCluster>>, allowLoopback: boolean,
): L4Pick {
  const endpoints = new Map<string, RoundRobin<L4Target>>();
  for (const b of backends) {
    if (b.cluster === null || endpoints.has(b.cluster)) continue;
    const usable: L4Target[] = [];
    for (const ep of clusters[b.cluster]?.endpoints ?? []) {
      if (refuseEndpoint(ep.address, allowLoopback) !== null) continue;
      usable.push({ address: ep.address, port: ep.port, family: isIP(ep.address) === 6 ? 6 : 4, cluster: b.cluster });
    }
    endpoints.set(b.cluster, roundRobin(usable));
  }
  const choice = compileWeightedChoice(backends.map((b) => ({ value: b.cluster, weight: b.weight })));
  return () => {
    const cluster = choice.pick();
    return cluster == null ? undefined : endpoints.get(cluster)?.next();
  };
}
