// What `portico controller` does differently with --infrastructure kubernetes: no data plane in this process; the
// leader provisions a proxy Deployment + Service + ServiceAccount per Gateway and the Gateway's status says where
// it is: addresses from the Service, Programmed=False/Pending until the proxies connected to the config stream
// report the current config live; then their bind results go through the same finalize() as host mode.
import type { Gateway, GatewayClass, GatewayStatus } from '../api/gateway.ts';
import { CONTROLLER_NAME } from '../api/gateway.ts';
import type { Condition } from '../api/meta.ts';
import type { ResourceSnapshot } from '../api/snapshot.ts';
import type { KubernetesProvisioner, ProvisionOutcome, SyncReport } from '../infra/kubernetes.ts';
import type { GatewayKey, ProxyConfig } from '../ir/types.ts';
import { gatewayAddressNotAssigned, gatewayInvalidParameters, gatewayNotProgrammed, gatewayPending, listenerNotProgrammed } from '../status/conditions.ts';
import type { ObjectStatus, StatusSnapshot } from '../status/types.ts';
import type { ProxiesOf } from '../control/channel.ts';
import { finalize } from '../status/finalize.ts';

/** Keeps only the named GatewayClasses (all when none is named), so Gateways of other classes are not ours at all. */
export function scopeSnapshot(snapshot: ResourceSnapshot, classes: readonly string[]): ResourceSnapshot {
  if (classes.length === 0) return snapshot;
  // The same list while the store's is the same: a new array each time would make the Translator redo every route's
  // attachment (it takes a new list for a changed one).
  let scoped = scopedClasses.get(snapshot.gatewayClasses);
  if (scoped === undefined || scoped.classes !== classes) {
    scoped = { classes, list: snapshot.gatewayClasses.filter((c) => classes.includes(c.metadata.name)) };
    scopedClasses.set(snapshot.gatewayClasses, scoped);
  }
  return { ...snapshot, gatewayClasses: scoped.list };
}

const scopedClasses = new WeakMap<readonly GatewayClass[], { classes: readonly string[]; list: GatewayClass[] }>();

/** One provisioning pass: the Gateways translation accepted get proxies; proxies of Gateways we judge and dropped go. */
export function provisionPass(provisioner: KubernetesProvisioner, snapshot: ResourceSnapshot, configs: readonly ProxyConfig[]): Promise<SyncReport> {
  const desired = gatewaysOf(snapshot, configs);
  const mayRemove = removableGateways(snapshot);
  return provisioner.sync(desired, { configMaps: snapshot.configMaps, services: snapshot.services, mayRemove });
}

/** Each config with the Gateway it was translated from. */
export function gatewaysOf(snapshot: ResourceSnapshot, configs: readonly ProxyConfig[]): { gateway: Gateway; config: ProxyConfig }[] {
  const byKey = new Map(snapshot.gateways.map((g) => [`${g.metadata.namespace}/${g.metadata.name}`, g]));
  return configs.flatMap((config) => {
    const gateway = byKey.get(config.gateway);
    return gateway ? [{ gateway, config }] : [];
  });
}

/**
 * Whether objects Portico made for a Gateway that is not served may be deleted: the Gateway is gone, or in one of
 * our classes but not accepted, or in a class no Portico serves. A Portico class outside our --gateway-class scope
 * is another controller's to judge.
 */
export function removableGateways(snapshot: ResourceSnapshot): (namespace: string, gatewayName: string) => boolean {
  const byKey = new Map(snapshot.gateways.map((g) => [`${g.metadata.namespace}/${g.metadata.name}`, g]));
  const ours = new Set(snapshot.gatewayClasses.filter((c) => c.spec?.controllerName === CONTROLLER_NAME).map((c) => c.metadata.name));
  return (ns, name) => {
    const g = byKey.get(`${ns}/${name}`);
    if (g === undefined || ours.has(g.spec?.gatewayClassName)) return true;
    const cls = snapshot.gatewayClasses.find((c) => c.metadata.name === g.spec?.gatewayClassName);
    return cls === undefined || cls.spec?.controllerName !== CONTROLLER_NAME;
  };
}

/**
 * Gateway status from the provisioning outcome. `outcomes` is null on a replica that does not lead: it provisions
 * nothing and writes no status, but its admin API still shows what it would say.
 */
export function finalizeProvisioned(status: StatusSnapshot, outcomes: ReadonlyMap<GatewayKey, ProvisionOutcome> | null, proxiesOf?: ProxiesOf): StatusSnapshot {
  return status.map((s): ObjectStatus => {
    if (s.kind !== 'Gateway') return s;
    const key = `${s.namespace}/${s.name}` as GatewayKey;
    const accepted = s.status.conditions?.find((c) => c.type === 'Accepted')?.status === 'True' ||
      s.status.conditions?.find((c) => c.type === 'Accepted')?.reason === 'ListenersNotValid';
    if (!accepted) return s;
    const gen = s.generation;
    const outcome = outcomes ? outcomes.get(key) : undefined;
    const st: GatewayStatus = structuredClone(s.status);
    delete st.addresses;
    let programmed: Condition;
    let listenerWhy: string;
    if (!outcomes) {
      programmed = gatewayPending(gen, 'the replica holding the leader lease creates its proxies');
      listenerWhy = 'the leader creates the proxies';
    } else if (!outcome) {
      // Accepted but absent from the pass: translation built no config for it.
      return s;
    } else if (outcome.state === 'invalid-parameters') {
      upsert(st, gatewayInvalidParameters(gen, outcome.message));
      programmed = gatewayNotProgrammed(gen, outcome.message);
      listenerWhy = 'the Gateway has invalid parameters';
    } else if (outcome.state === 'failed') {
      programmed = gatewayPending(gen, `${outcome.message}; retrying`);
      listenerWhy = 'its proxies could not be created yet';
    } else if (outcome.addresses.length === 0) {
      programmed = gatewayAddressNotAssigned(gen, `Service ${outcome.deployment} has no address yet`);
      listenerWhy = `Service ${outcome.deployment} has no address yet`;
    } else {
      const proxies = proxiesOf?.(key);
      if (proxies?.summary.state === 'live') {
        // Translation's listener conditions, then the proxies' bind results, the same way as host mode.
        const done = finalize([s], [proxies.summary.result], [proxies.config])[0]!;
        const fin = structuredClone(done.status) as GatewayStatus;
        fin.addresses = outcome.addresses;
        return { ...s, status: fin } as ObjectStatus;
      }
      st.addresses = outcome.addresses;
      if (proxies?.summary.state === 'failed') {
        programmed = gatewayNotProgrammed(gen, proxies.summary.message);
        listenerWhy = proxies.summary.message;
      } else {
        const detail = proxies ? ` (${proxies.summary.message})` : '';
        programmed = gatewayPending(gen, `waiting for the ${outcome.params.replicas} proxy replica(s) of Deployment ${outcome.deployment} to report this configuration live${detail}`);
        listenerWhy = `waiting for the proxies of Deployment ${outcome.deployment}`;
      }
    }
    upsert(st, programmed);
    for (const ls of st.listeners ?? []) {
      const i = ls.conditions.findIndex((c) => c.type === 'Programmed');
      // A listener translation found invalid keeps its own reason.
      if (i >= 0 && ls.conditions[i]!.status === 'True') ls.conditions[i] = listenerNotProgrammed(gen, 'Pending', listenerWhy);
    }
    return { ...s, status: st };
  });
}

function upsert(st: GatewayStatus, c: Condition): void {
  const list = st.conditions ?? [];
  const i = list.findIndex((x) => x.type === c.type);
  if (i >= 0) list[i] = c;
  else list.push(c);
  st.conditions = list;
}
