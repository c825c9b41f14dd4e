// ListenerSets: which attach to which of our Gateways (spec.allowedListeners), their listeners merged after the
// Gateway's in the spec's precedence (a conflict rejects the later listener), and their status.
import type * as gw from '../api/gateway.ts';
import { GROUP } from '../api/gateway.ts';
import { allowedListenersOf, type ListenerSet } from '../api/listenerset.ts';
import type { Condition } from '../api/meta.ts';
import { compareObjects } from '../api/snapshot.ts';
import type { GatewayKey } from '../ir/types.ts';
import * as c from '../status/conditions.ts';
import type { ObjectStatus } from '../status/types.ts';
import { selectorMatches, type AttachParent } from './attach.ts';
import type { CertificateResolver } from './certificates.ts';
import type { FrontendResolver } from './frontend-tls.ts';
import type { GatewayInfo } from './gateway.ts';
import { analyzeListenerEntries, type ListenerInfo } from './listeners.ts';
import { listenerId } from './routes.ts';

export type ListenerSetInfo = {
  listenerSet: ListenerSet;
  namespace: string;
  generation: number;
  gateway: GatewayKey;
  /** Selected by the Gateway's allowedListeners; a ListenerSet that is not takes no part in the Gateway. */
  allowed: boolean;
  conditions: Condition[];
  /** What routes with this ListenerSet as parentRef attach to; its key files their attachments apart. */
  parent: AttachParent & { listeners: ListenerInfo[] };
};

/** A listener holding its port and hostname; `namespace` is its ListenerSet's (absent for the Gateway's own). */
type Claim = { spec: gw.Listener; owner: string; namespace?: string };

/**
 * Every ListenerSet whose parentRef names one of our Gateways, in the spec's precedence: oldest first, then by
 * namespace/name. Others (parent missing or not ours) get no status from us.
 */
export function analyzeListenerSets(
  listenerSets: readonly ListenerSet[], gateways: ReadonlyMap<string, GatewayInfo>,
  certificates: Pick<CertificateResolver, 'resolve'>, namespaceLabels: (ns: string) => Record<string, string>,
  /** The parent Gateway's spec.tls.frontend applies per port, to ListenerSet listeners on it too. */
  frontend?: Pick<FrontendResolver, 'resolve'>,
): ListenerSetInfo[] {
  const claims = new Map<string, Claim[]>();
  const out: ListenerSetInfo[] = [];
  for (const ls of [...listenerSets].sort(comparePrecedence)) {
    const ref = ls.spec?.parentRef;
    if (!ref || (ref.group ?? GROUP) !== GROUP || (ref.kind ?? 'Gateway') !== 'Gateway') continue;
    const namespace = ls.metadata.namespace ?? 'default';
    const g = gateways.get(`${ref.namespace ?? namespace}/${ref.name}`);
    if (!g) continue;
    const gen = ls.metadata.generation ?? 1;
    const name = `${namespace}/${ls.metadata.name}`;
    const notAllowed = notAllowedWhy(g, namespace, namespaceLabels);
    let claimed = claims.get(g.key);
    if (!claimed) {
      claimed = g.listeners.map((l) => ({ spec: l.spec, owner: `${l.spec.name} (Gateway ${g.key})` }));
      claims.set(g.key, claimed);
    }
    const entries = ls.spec.listeners ?? [];
    // A ListenerSet the Gateway does not let in claims no port: it cannot push a later one out.
    const conflicts = notAllowed || !g.accepted ? new Map<string, Condition>() : claimConflicts(entries, claimed, gen, namespace, name);
    const listeners = analyzeListenerEntries(entries, {
      gen, namespace, certificates, conflicts, ...(frontend ? { frontend: (port: number) => frontend.resolve(g.gateway, port, gen) } : {}),
    });
    const conditions = listenerSetConditions(g, listeners, gen, notAllowed);
    const accepted = conditions[0].status === 'True';
    out.push({
      listenerSet: ls, namespace, generation: gen, gateway: g.key, allowed: !notAllowed, conditions,
      parent: { key: `${g.key}/${name}` as GatewayKey, namespace, accepted, listeners, label: `ListenerSet ${name}` },
    });
  }
  return out;
}

function listenerSetConditions(g: GatewayInfo, listeners: ListenerInfo[], gen: number, notAllowed: string | undefined): Condition[] {
  if (notAllowed) return [c.listenerSetNotAllowed(gen, 'Accepted', notAllowed), c.listenerSetNotAllowed(gen, 'Programmed', notAllowed)];
  if (!g.accepted) {
    for (const l of listeners) {
      l.valid = false;
      l.problem ??= `listener ${l.spec.name}: the parent Gateway is not accepted`;
      l.conditions = l.conditions.map((x) => (x.type === 'Programmed' ? c.listenerNotProgrammed(gen, 'Invalid', `the parent Gateway ${g.key} is not accepted`) : x));
    }
    return [c.listenerSetParentNotAccepted(gen, g.key), c.listenerSetParentNotProgrammed(gen, g.key)];
  }
  const invalid = listeners.filter((l) => !l.valid).map((l) => l.problem ?? `listener ${l.spec.name} is not valid`);
  // Unlike a Gateway, a ListenerSet needs a listener that can serve: one whose certificate is not permitted does not count.
  if (invalid.length === listeners.length) {
    const detail = invalid.join('; ') || 'spec.listeners is empty';
    return [c.listenerSetListenersNotValid(gen, false, detail), c.listenerSetNotProgrammed(gen, detail)];
  }
  const accepted = invalid.length === 0 ? c.listenerSetAccepted(gen) : c.listenerSetListenersNotValid(gen, true, invalid.join('; '));
  return [accepted, c.listenerSetProgrammed(gen)];
}

/** Why the Gateway's spec.allowedListeners does not select ListenerSets of `namespace`, or undefined when it does. */
function notAllowedWhy(g: GatewayInfo, namespace: string, namespaceLabels: (ns: string) => Record<string, string>): string | undefined {
  const allowed = allowedListenersOf(g.gateway)?.namespaces;
  const from = allowed?.from ?? 'None';
  const fix = `set spec.allowedListeners.namespaces on Gateway ${g.key} to admit namespace ${namespace}`;
  switch (from) {
    case 'All': return undefined;
    case 'Same':
      return namespace === g.namespace ? undefined : `Gateway ${g.key} allows ListenerSets from its own namespace only (allowedListeners from Same); ${fix}, or move the ListenerSet`;
    case 'Selector':
      if (allowed?.selector === undefined) return `Gateway ${g.key} has allowedListeners from Selector without a selector, which admits no ListenerSet; ${fix}`;
      return selectorMatches(allowed.selector, namespaceLabels(namespace)) ? undefined
        : `the labels of namespace ${namespace} do not match the allowedListeners selector of Gateway ${g.key}; label the namespace or ${fix}`;
    case 'None':
      return allowed === undefined
        ? `Gateway ${g.key} has no spec.allowedListeners, which admits no ListenerSet; ${fix}`
        : `Gateway ${g.key} admits no ListenerSet (allowedListeners from None); ${fix}`;
    default: return `Gateway ${g.key} has allowedListeners from ${JSON.stringify(from)}, which is not All, Same, Selector or None; ${fix}`;
  }
}

/**
 * Conflicts of a ListenerSet's listeners with every listener that precedes them (the Gateway's, then earlier
 * ListenerSets', then earlier entries of the same set); each listener that does not conflict claims its port.
 */
function claimConflicts(listeners: readonly gw.Listener[], claimed: Claim[], gen: number, namespace: string, owner: string): Map<string, Condition> {
  const out = new Map<string, Condition>();
  // Another team's ListenerSet is not named to this one: say only that it exists (GEP-1713 asks not to leak it).
  const names = (cs: Claim[]) => [...new Set(cs.map((o) =>
    (o.namespace === undefined || o.namespace === namespace ? o.owner : 'in a ListenerSet of another namespace')))];
  // UDP listens on its own kernel socket: it shares a port number with a TCP-based listener without conflict.
  const family = (l: gw.Listener) => (l.protocol === 'UDP' ? 'udp' : 'tcp');
  for (const l of listeners) {
    const samePort = claimed.filter((o) => o.spec.port === l.port && family(o.spec) === family(l));
    const otherProtocol = samePort.filter((o) => o.spec.protocol !== l.protocol);
    const host = (l.hostname ?? '').toLowerCase();
    const sameHost = samePort.filter((o) => o.spec.protocol === l.protocol && (o.spec.hostname ?? '').toLowerCase() === host);
    if (otherProtocol.length > 0) out.set(l.name, c.listenerProtocolConflict(gen, l.port, names(otherProtocol)));
    else if (sameHost.length > 0) out.set(l.name, c.listenerHostnameConflict(gen, l.port, l.hostname, names(sameHost)));
    else claimed.push({ spec: l, owner: `${l.name} (ListenerSet ${owner})`, namespace });
  }
  return out;
}

function comparePrecedence(a: ListenerSet, b: ListenerSet): number {
  const ta = a.metadata.creationTimestamp, tb = b.metadata.creationTimestamp;
  if (ta !== tb) {
    if (ta === undefined) return 1;
    if (tb === undefined) return -1;
    return ta < tb ? -1 : 1;
  }
  return compareObjects(a, b);
}

/**
 * The Gateway as its data plane sees it: its listeners, then those of its accepted ListenerSets, renamed
 * `<ns>/<listenerset>/<listener>` so that names stay unique and `listenerId(gateway, name)` is the id their routes
 * were filed under (the ListenerSet's parent key plus the listener name).
 */
export function withListenerSets(g: GatewayInfo, sets: readonly ListenerSetInfo[]): GatewayInfo {
  const extra = sets
    .filter((s) => s.gateway === g.key && s.parent.accepted)
    .flatMap((s) => s.parent.listeners.map((l) => ({ ...l, spec: { ...l.spec, name: `${s.namespace}/${s.listenerSet.metadata.name}/${l.spec.name}` } })));
  return extra.length === 0 ? g : { ...g, listeners: [...g.listeners, ...extra] };
}

/** `status.attachedListenerSets` of a Gateway: reported once ListenerSets concern it (allowed or named as parent). */
export function attachedListenerSets(g: GatewayInfo, sets: readonly ListenerSetInfo[]): number | undefined {
  const mine = sets.filter((s) => s.gateway === g.key);
  if (mine.length === 0 && allowedListenersOf(g.gateway) === undefined) return undefined;
  return mine.filter((s) => s.parent.accepted).length;
}

export function listenerSetStatus(s: ListenerSetInfo, attachedRoutes: (id: string) => number): ObjectStatus {
  const ls = s.listenerSet;
  const listeners = s.allowed
    ? s.parent.listeners.map((l) => ({
      name: l.spec.name, supportedKinds: l.supportedKinds, attachedRoutes: attachedRoutes(listenerId(s.parent.key, l.spec.name)), conditions: l.conditions,
    }))
    : [];
  return {
    apiVersion: ls.apiVersion, kind: 'ListenerSet', namespace: s.namespace, name: ls.metadata.name, generation: s.generation,
    status: { conditions: s.conditions, ...(listeners.length > 0 ? { listeners } : {}) },
  };
}

/** certificateRefs of ListenerSet listeners: a Secret in another namespace needs a ReferenceGrant from ListenerSets (the Gateway's grants are not inherited). */
export function listenerSetCertificates(certificates: CertificateResolver): Pick<CertificateResolver, 'resolve'> {
  return { resolve: (refs, namespace, listener, gen) => certificates.resolve(refs, namespace, listener, gen, 'ListenerSet') };
}
