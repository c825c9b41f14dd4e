// Programmed comes from the data plane's answer: translation assumed every valid listener would bind;
// here the bind results confirm it or say why not, in the spec's reasons.
import type { GatewayStatus, ListenerStatus } from '../api/gateway.ts';
import type { Condition } from '../api/meta.ts';
import type { ApplyResult, ListenerBindResult } from '../ir/apply.ts';
import type { GatewayKey, ProxyConfig } from '../ir/types.ts';
import { formatHostPort } from '../ir/net.ts';
import {
  gatewayAddressNotAssigned, gatewayAddressNotUsable, gatewayListenersNotValid, gatewayNotProgrammed, gatewayProgrammed,
  listenerNotProgrammed, listenerPortUnavailable, listenerProgrammed, listenerSetNotProgrammed,
} from './conditions.ts';
import type { ObjectStatus, StatusSnapshot } from './types.ts';

export type FinalizeOptions = {
  /** Gateways that needed an address from the pool and got none, with the reason; they were not applied. */
  unassigned?: ReadonlyMap<GatewayKey, string>;
};

const WILDCARD = new Set(['0.0.0.0', '::', '']);

/** Returns a copy of `status` with each applied Gateway's Programmed conditions and addresses from the bind results. */
export function finalize(
  status: StatusSnapshot,
  results: readonly ApplyResult[],
  configs: readonly ProxyConfig[],
  options: FinalizeOptions = {},
): StatusSnapshot {
  const resultByGateway = new Map(results.map((r) => [r.gateway, r]));
  const configByGateway = new Map(configs.map((c) => [c.gateway, c]));
  const gateway = (s: Extract<ObjectStatus, { kind: 'Gateway' }>): ObjectStatus => {
    const key = `${s.namespace}/${s.name}` as GatewayKey;
    const unassigned = options.unassigned?.get(key);
    if (unassigned !== undefined) return { ...s, status: addressNotAssigned(s.status, s.generation, unassigned) };
    const config = configByGateway.get(key);
    const result = resultByGateway.get(key);
    if (!config || !result) return s;
    return { ...s, status: fromBindResults(structuredClone(s.status), s.generation, config, result.listeners) };
  };
  // Thousands of routes pass through unchanged: a plain copy, then only Gateways and ListenerSets are replaced.
  const out = status.slice();
  for (let i = 0; i < out.length; i++) {
    const s = out[i]!;
    if (s.kind === 'Gateway') out[i] = gateway(s);
    else if (s.kind === 'ListenerSet') out[i] = listenerSetFromBinds(s, configs, resultByGateway);
  }
  return out;
}

function fromBindResults(st: GatewayStatus, gen: number, config: ProxyConfig, binds: readonly ListenerBindResult[]): GatewayStatus {
  const portOf = new Map<string, number>();
  for (const l of config.listeners) {
    if (l.protocol === 'TCP' || l.protocol === 'UDP') portOf.set(l.listener, l.port);
    else for (const h of l.hosts) portOf.set(h.listener, l.port);
  }
  const bindsByPort = new Map<number, ListenerBindResult[]>();
  for (const b of binds) bindsByPort.set(b.port, [...(bindsByPort.get(b.port) ?? []), b]);

  const unusable = binds.filter((b) => !b.bound && b.error === 'EADDRNOTAVAIL');
  let boundListeners = 0;
  let portFailures = 0;
  for (const ls of st.listeners ?? []) {
    const port = portOf.get(ls.name);
    if (port === undefined) continue; // translation found it invalid; its status already says why
    const mine = bindsByPort.get(port) ?? [];
    const failed = mine.filter((b) => !b.bound);
    if (mine.length > 0 && failed.length === 0) {
      boundListeners++;
      setCondition(ls, listenerProgrammed(gen, `Listener is bound on ${mine.map(where).join(', ')}`));
      continue;
    }
    if (markUnbound(ls, gen, port, failed)) portFailures++;
  }

  const conditions = st.conditions ?? [];
  const upsert = (c: Condition) => {
    const i = conditions.findIndex((x) => x.type === c.type);
    if (i >= 0) conditions[i] = c;
    else conditions.push(c);
  };
  if (portFailures > 0) {
    const names = (st.listeners ?? []).filter((l) => isFalse(l, 'Accepted')).map((l) => l.name);
    const stillOk = (st.listeners ?? []).some((l) => !isFalse(l, 'Accepted'));
    upsert(gatewayListenersNotValid(gen, stillOk, `listener(s) ${names.join(', ')} cannot bind their port`));
  }
  if (unusable.length > 0) {
    const addrs = [...new Set(unusable.map((b) => b.address))].join(', ');
    upsert(gatewayAddressNotUsable(gen, `address ${addrs} is not assigned to any interface of this host`));
  } else if (boundListeners > 0) {
    upsert(gatewayProgrammed(gen, 'Gateway is programmed: its listeners are bound and the configuration is live'));
  } else if (portOf.size > 0) {
    upsert(gatewayNotProgrammed(gen, 'no listener could be bound; see the listener conditions'));
  }
  st.conditions = conditions;

  if (config.addresses.length > 0) {
    const bound = [...new Set(binds.filter((b) => b.bound && !WILDCARD.has(b.address)).map((b) => b.address))];
    if (bound.length > 0) st.addresses = bound.map((value) => ({ type: 'IPAddress', value }));
    else delete st.addresses;
  }
  return st;
}

/**
 * A ListenerSet's listeners live in its parent Gateway's config, named `<namespace>/<listenerset>/<listener>`:
 * translation assumed they would bind; a port that did not makes the listener, and the ListenerSet when none is
 * left, not Programmed.
 */
function listenerSetFromBinds(
  s: Extract<ObjectStatus, { kind: 'ListenerSet' }>, configs: readonly ProxyConfig[], results: ReadonlyMap<string, ApplyResult>,
): ObjectStatus {
  const prefix = `${s.namespace}/${s.name}/`;
  const portOf = new Map<string, number>();
  let gateway: string | undefined;
  for (const c of configs) {
    for (const l of c.listeners) {
      const names = l.protocol === 'TCP' || l.protocol === 'UDP' ? [l.listener] : l.hosts.map((h) => h.listener);
      for (const n of names) {
        if (!n.startsWith(prefix)) continue;
        portOf.set(n.slice(prefix.length), l.port);
        gateway = c.gateway;
      }
    }
  }
  const binds = gateway === undefined ? undefined : results.get(gateway)?.listeners;
  if (!binds) return s;
  const st = structuredClone(s.status);
  let bound = 0;
  let failed = 0;
  for (const ls of st.listeners ?? []) {
    const port = portOf.get(ls.name);
    if (port === undefined) continue;
    const bad = binds.filter((b) => b.port === port && !b.bound);
    if (bad.length === 0) {
      bound++;
      continue;
    }
    failed++;
    markUnbound(ls, s.generation, port, bad);
  }
  if (failed > 0 && bound === 0) {
    const conditions = (st.conditions ?? []).filter((c) => c.type !== 'Programmed');
    st.conditions = [...conditions, listenerSetNotProgrammed(s.generation, 'none could be bound; see the listener conditions')];
  }
  return { ...s, status: st };
}

/**
 * A listener whose port did not bind (`failed`: its failed bind results, possibly none): Programmed False, and
 * PortUnavailable unless only the address was missing (that is the Gateway's AddressNotUsable). Returns whether the
 * port itself failed.
 */
function markUnbound(ls: ListenerStatus, gen: number, port: number, failed: readonly ListenerBindResult[]): boolean {
  const detail = failed.length > 0 ? failed.map((b) => `${where(b)}: ${b.error ?? 'not bound'}`).join(', ') : `port ${port} was not bound`;
  const addressOnly = failed.length > 0 && failed.every((b) => b.error === 'EADDRNOTAVAIL');
  if (!addressOnly) setCondition(ls, listenerPortUnavailable(gen, `port ${port} cannot be bound (${detail})`));
  setCondition(ls, listenerNotProgrammed(gen, 'Invalid', `it is not bound (${detail})`));
  return !addressOnly;
}

function addressNotAssigned(status: GatewayStatus, gen: number, why: string): GatewayStatus {
  const st = structuredClone(status);
  st.conditions = [...(st.conditions ?? []).filter((c) => c.type !== 'Programmed'), gatewayAddressNotAssigned(gen, why)];
  for (const ls of st.listeners ?? []) setCondition(ls, listenerNotProgrammed(gen, 'Pending', `it waits for the Gateway's address: ${why}`));
  delete st.addresses;
  return st;
}

function where(b: ListenerBindResult): string {
  return formatHostPort(b.address, b.port);
}

function isFalse(ls: ListenerStatus, type: string): boolean {
  return ls.conditions.some((c) => c.type === type && c.status === 'False');
}

function setCondition(ls: ListenerStatus, c: Condition): void {
  const i = ls.conditions.findIndex((x) => x.type === c.type);
  if (i >= 0) ls.conditions[i] = c;
  else ls.conditions.push(c);
}
