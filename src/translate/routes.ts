// Route status and attachment across every parent: which listeners take which compiled routes.
import type { Condition } from '../api/meta.ts';
import type * as gw from '../api/gateway.ts';
import { CONTROLLER_NAME, GROUP } from '../api/gateway.ts';
import type { ObjectStatus } from '../status/types.ts';
import * as c from '../status/conditions.ts';
import type { RouteKind } from '../api/l4routes.ts';
import { attachToParent, parentGatewayKey, parentListenerSetKey, type AttachParent, type RouteObject } from './attach.ts';
import type { RefProblem } from './backends.ts';
import type { GatewayInfo } from './gateway.ts';
import type { CompiledRoute } from './httproute.ts';
import { KindIndex } from './kind-conflicts.ts';

/** What attachment and route status read of a compiled route of any kind. */
export type AttachableRoute = {
  route: RouteObject & { kind: RouteKind };
  namespace: string;
  unsupported: string[];
  validRules: number;
  refProblems: RefProblem[];
};

export type ListenerRoutes<T extends AttachableRoute = CompiledRoute> = { route: T; hostnames: string[] };

/** `gatewayKey/listenerName` → routes attached to that listener, one entry per route. */
export type AttachedIndex<T extends AttachableRoute = CompiledRoute> = Map<string, Map<string, ListenerRoutes<T>>>;

export const listenerId = (gateway: string, listener: string) => `${gateway}/${listener}`;

/**
 * What attachment decides for one route on its own, before routes meet on listeners: per parentRef the listeners it
 * may take and its conditions, and the status it gets when no older route of the other kind refuses it a listener.
 * Pure in the route and its parents, so a Translator keeps it while neither changes.
 */
export type RoutePlan = {
  /** creationTimestamp in ms (Infinity when missing or unreadable), then `namespace/name`: the attachment order. */
  age: number;
  name: string;
  routeKey: string;
  label: string;
  parents: ParentPlan[];
  /** The route's status when every attachment is taken (null: no parent of ours). */
  status: ObjectStatus | null;
};

type ParentPlan = {
  ref: gw.ParentReference;
  /** The parentRef as status reports it. */
  storedRef: gw.ParentReference;
  /** Accepted and the other conditions when every attachment is taken. */
  conditions: Condition[];
  /**
   * Listeners the route may take (empty when the parent refused it), with `hostnames` as attachment found them
   * (messages list them so) and `unique` without repeats.
   */
  attachments: { id: string; listener: string; hostnames: string[]; unique: string[] }[];
};

/** Plans by compiled route, valid while the parents (Gateways, ListenerSets, namespace labels) stay the same. */
export type AttachPlans = WeakMap<object, RoutePlan>;

export function attachRoutes<T extends AttachableRoute>(
  compiled: readonly T[], gateways: ReadonlyMap<string, GatewayInfo>,
  namespaceLabels: (ns: string) => Record<string, string>,
  /** ListenerSets of our Gateways by `ns/name`; their key files attachments apart from the Gateway's own listeners. */
  listenerSets: ReadonlyMap<string, AttachParent> = new Map(),
  plans?: AttachPlans,
): { attached: AttachedIndex<T>; status: ObjectStatus[] } {
  const { attached, status } = attachAll(compiled, gateways, namespaceLabels, listenerSets, plans);
  return { attached, status };
}

/** A route with its plan, in attachment order. */
export type Planned<T extends AttachableRoute> = { cr: T; plan: RoutePlan };

/** attachRoutes, also returning the routes in attachment order and whether both HTTPRoutes and GRPCRoutes were there. */
export function attachAll<T extends AttachableRoute>(
  compiled: readonly T[], gateways: ReadonlyMap<string, GatewayInfo>, namespaceLabels: (ns: string) => Record<string, string>,
  listenerSets: ReadonlyMap<string, AttachParent>, plans: AttachPlans | undefined,
): { attached: AttachedIndex<T>; status: ObjectStatus[]; order: Planned<T>[]; mixed: boolean } {
  const attached: AttachedIndex<T> = new Map();
  const kinds = new KindIndex();
  const status: ObjectStatus[] = [];
  // Planned apart from the loop below: a plan missing for one new route among thousands of known ones otherwise sent
  // the whole optimized loop back to the interpreter on every translation.
  const planned = compiled.map((cr) => ({ cr, plan: plans?.get(cr) ?? newPlan(cr, gateways, namespaceLabels, listenerSets, plans) }));
  // Oldest first: when an HTTPRoute and a GRPCRoute claim one hostname on a listener, the older one is there first.
  planned.sort((a, b) => compareAge(a.plan, b.plan));
  // Only an HTTPRoute and a GRPCRoute can refuse each other a listener: with one of the two kinds, none is refused.
  const mixed = compiled.some((cr) => cr.route.kind === 'HTTPRoute') && compiled.some((cr) => cr.route.kind === 'GRPCRoute');
  for (const { cr, plan } of planned) {
    if (!mixed) {
      for (const pp of plan.parents) for (const a of pp.attachments) take(attached, cr, plan, a);
      if (plan.status !== null) status.push(plan.status);
      continue;
    }
    let refusedAny = false;
    const parents: gw.RouteParentStatus[] = [];
    for (const pp of plan.parents) {
      const refused: string[] = [];
      for (const a of pp.attachments) {
        const conflict = kinds.conflict(a.id, cr.route.kind, a.hostnames);
        if (conflict !== null) {
          refused.push(`listener ${a.listener} already serves hostname(s) ${a.hostnames.join(', ')} with the older ${conflict}`);
          continue;
        }
        take(attached, cr, plan, a);
        kinds.add(a.id, cr.route.kind, plan.label, a.hostnames);
      }
      if (refused.length > 0) refusedAny = true;
      parents.push({ parentRef: pp.storedRef, controllerName: CONTROLLER_NAME, conditions: refused.length > 0 ? refusedConditions(cr, pp, refused) : pp.conditions });
    }
    if (plan.status === null) continue;
    status.push(refusedAny ? { ...plan.status, status: { parents } } as ObjectStatus : plan.status);
  }
  return { attached, status, order: planned, mixed };
}

/** Attachment order: oldest first, then `namespace/name`; 0 only for routes a stable sort keeps in input order. */
export function compareAge(a: RoutePlan, b: RoutePlan): number {
  return (a.age === b.age ? 0 : a.age < b.age ? -1 : 1) || cmp(a.name, b.name);
}

/** The plan of `cr`: the kept one, or a new one that is then kept. */
export function planOf(
  cr: AttachableRoute, gateways: ReadonlyMap<string, GatewayInfo>, namespaceLabels: (ns: string) => Record<string, string>,
  listenerSets: ReadonlyMap<string, AttachParent>, plans: AttachPlans,
): RoutePlan {
  return plans.get(cr) ?? newPlan(cr, gateways, namespaceLabels, listenerSets, plans);
}

/** Files `cr` under the listener of attachment `a` (a second parentRef to the same listener adds its hostnames). */
export function take<T extends AttachableRoute>(attached: AttachedIndex<T>, cr: T, plan: RoutePlan, a: ParentPlan['attachments'][number]): void {
  let byRoute = attached.get(a.id);
  if (byRoute === undefined) attached.set(a.id, byRoute = new Map());
  const prev = byRoute.get(plan.routeKey);
  byRoute.set(plan.routeKey, { route: cr, hostnames: prev === undefined ? a.unique : [...new Set([...prev.hostnames, ...a.hostnames])] });
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function newPlan(
  cr: AttachableRoute, gateways: ReadonlyMap<string, GatewayInfo>, namespaceLabels: (ns: string) => Record<string, string>,
  listenerSets: ReadonlyMap<string, AttachParent>, plans: AttachPlans | undefined,
): RoutePlan {
  const plan = planRoute(cr, gateways, namespaceLabels, listenerSets);
  plans?.set(cr, plan);
  return plan;
}

/** A parent's conditions when older routes of the other kind took some of its listeners (all: not allowed). */
function refusedConditions(cr: AttachableRoute, pp: ParentPlan, refused: readonly string[]): Condition[] {
  if (refused.length < pp.attachments.length) return pp.conditions;
  const gen = cr.route.metadata.generation ?? 1;
  return [c.routeNotAllowedByListeners(gen, `${refused.join('; ')}; an HTTPRoute and a GRPCRoute cannot share a hostname on one listener`,
    'give the two routes different hostnames or attach them to different listeners'), pp.conditions[1]!];
}

function planRoute(
  cr: AttachableRoute, gateways: ReadonlyMap<string, GatewayInfo>, namespaceLabels: (ns: string) => Record<string, string>,
  listenerSets: ReadonlyMap<string, AttachParent>,
): RoutePlan {
  const r = cr.route;
  const gen = r.metadata.generation ?? 1;
  const resolved = resolvedRefs(cr, gen);
  const parents: ParentPlan[] = [];
  for (const ref of r.spec.parentRefs ?? []) {
    const key = parentGatewayKey(ref, cr.namespace);
    const parent: AttachParent | undefined = key !== null ? gateways.get(key) : listenerSets.get(parentListenerSetKey(ref, cr.namespace) ?? '');
    if (!parent) continue;
    const result = attachToParent(r, ref, parent, namespaceLabels);
    let accepted: Condition;
    const partial: Condition[] = [];
    const attachments: ParentPlan['attachments'] = [];
    if (!result.ok) accepted = result.condition;
    else if (cr.unsupported.length > 0 && cr.validRules === 0) {
      accepted = c.routeUnsupportedValue(gen, `no rule is valid: ${cr.unsupported.join('; ')}`);
    } else {
      if (cr.unsupported.length > 0) partial.push(c.routePartiallyInvalid(gen, `rules left out: ${cr.unsupported.join('; ')}`));
      accepted = c.routeAccepted(gen);
      for (const a of result.attachments) {
        attachments.push({ id: listenerId(parent.key, a.listener.spec.name), listener: a.listener.spec.name, hostnames: a.hostnames, unique: [...new Set(a.hostnames)] });
      }
    }
    parents.push({ ref, storedRef: storedParentRef(ref), conditions: [accepted, resolved, ...partial], attachments });
  }
  const status: ObjectStatus | null = parents.length === 0 ? null : {
    apiVersion: r.apiVersion, kind: r.kind, namespace: cr.namespace, name: r.metadata.name, generation: gen,
    status: { parents: parents.map((pp) => ({ parentRef: pp.storedRef, controllerName: CONTROLLER_NAME, conditions: pp.conditions })) },
  } as ObjectStatus;
  const t = r.metadata.creationTimestamp === undefined ? NaN : Date.parse(r.metadata.creationTimestamp);
  return { age: Number.isNaN(t) ? Infinity : t, name: `${cr.namespace}/${r.metadata.name}`, routeKey: `${r.kind}/${cr.namespace}/${r.metadata.name}`, label: `${r.kind} ${cr.namespace}/${r.metadata.name}`, parents, status };
}

/**
 * The parentRef as the API server stores it: group and kind defaulted, keys in its (alphabetical) order. File and Kubernetes
 * mode then report the same status for the same manifest.
 */
function storedParentRef(ref: gw.ParentReference): gw.ParentReference {
  const out: gw.ParentReference = { group: ref.group ?? GROUP, kind: ref.kind ?? 'Gateway', name: ref.name };
  if (ref.namespace !== undefined) out.namespace = ref.namespace;
  if (ref.port !== undefined) out.port = ref.port;
  if (ref.sectionName !== undefined) out.sectionName = ref.sectionName;
  return out;
}

function resolvedRefs(cr: AttachableRoute, gen: number): Condition {
  const first = cr.refProblems[0];
  if (!first) return c.routeResolvedRefs(gen);
  const message = cr.refProblems.map((p) => p.message).join('; ');
  switch (first.reason) {
    case 'RefNotPermitted': return c.routeRefNotPermitted(gen, message);
    case 'InvalidKind': return c.routeInvalidKind(gen, message);
    default: return c.routeBackendNotFound(gen, message);
  }
}
