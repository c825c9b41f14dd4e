// Listener validation: protocol support, TLS settings and certificates, allowed route kinds, and conflicts between
// listeners sharing a port.
import type { Condition } from '../api/meta.ts';
import type * as gw from '../api/gateway.ts';
import { GROUP } from '../api/gateway.ts';
import * as c from '../status/conditions.ts';
import type * as ir from '../ir/types.ts';
import type { CertificateResolver, NamedSecret } from './certificates.ts';
import type { FrontendResult } from './frontend-tls.ts';
import { parseTlsOptions } from './tls-options.ts';

/** Route kinds each protocol can carry; a protocol missing here is unsupported. */
const ROUTE_KINDS: Record<string, readonly string[]> = {
  HTTP: ['HTTPRoute', 'GRPCRoute'],
  HTTPS: ['HTTPRoute', 'GRPCRoute'],
  TLS: ['TLSRoute'],
  TCP: ['TCPRoute'],
  UDP: ['UDPRoute'],
};

export type ListenerInfo = {
  spec: gw.Listener;
  hostname: string | null;
  /** Accepted=True: the listener's spec is usable, even if a reference does not resolve yet. */
  accepted: boolean;
  /** True when the listener generates data-plane config and may take routes. */
  valid: boolean;
  /** Why not valid, for Gateway and route messages. */
  problem?: string;
  supportedKinds: gw.RouteGroupKind[];
  /** HTTPS and TLS Terminate: the certificates, resolved and checked; empty otherwise or when they do not resolve. */
  secrets: NamedSecret[];
  /** HTTPS and TLS Terminate: `tls.options` as Portico reads them, when any is set. */
  tlsOptions?: ir.TlsOptions;
  /** HTTPS: client-certificate validation of the listener's port (Gateway spec.tls.frontend). */
  clientValidation?: ir.ClientValidation;
  conditions: Condition[];
};

/** What validating listeners needs besides the listeners: their owner (a Gateway or a ListenerSet) and their conflicts. */
export type ListenerContext = {
  gen: number;
  /** The owner's namespace: where certificateRefs point by default. */
  namespace: string;
  certificates: Pick<CertificateResolver, 'resolve'>;
  /** Conflicted condition per listener name, for listeners that conflict. */
  conflicts: ReadonlyMap<string, Condition>;
  /** Client-certificate validation for an HTTPS listener on `port` (the Gateway's spec.tls.frontend). */
  frontend?: (port: number) => FrontendResult;
};

export function analyzeListeners(gateway: gw.Gateway, certificates: CertificateResolver): ListenerInfo[] {
  const gen = gateway.metadata.generation ?? 1;
  const namespace = gateway.metadata.namespace ?? 'default';
  const listeners = gateway.spec.listeners ?? [];
  const frontend = (port: number) => certificates.frontend.resolve(gateway, port, gen);
  return analyzeListenerEntries(listeners, { gen, namespace, certificates, conflicts: findConflicts(listeners, gen), frontend });
}

export function analyzeListenerEntries(listeners: readonly gw.Listener[], ctx: ListenerContext): ListenerInfo[] {
  const { gen, namespace, certificates, conflicts } = ctx;
  return listeners.map((l) => {
    const conditions: Condition[] = [];
    const kinds = ROUTE_KINDS[l.protocol];
    const conflict = conflicts.get(l.name);
    const terminates = l.protocol === 'HTTPS' || (l.protocol === 'TLS' && (l.tls?.mode ?? 'Terminate') === 'Terminate');
    const options = terminates ? parseTlsOptions(l.tls?.options) : { ok: true as const };
    const tlsProblem = kinds ? tlsSettingsProblem(l) ?? (options.ok ? undefined : options.problem) : undefined;
    let problem: string | undefined;
    if (!kinds) {
      conditions.push(c.listenerUnsupportedProtocolOf(gen, l.protocol));
      problem = `listener ${l.name}: protocol ${l.protocol} is not supported`;
    } else if (conflict) {
      conditions.push(c.listenerNotAcceptedConflicted(gen, conflict.reason as 'HostnameConflict' | 'ProtocolConflict'));
      problem = `listener ${l.name}: conflicted (${conflict.reason})`;
    } else if (tlsProblem) {
      conditions.push(c.listenerUnsupportedValue(gen, tlsProblem));
      problem = `listener ${l.name}: ${tlsProblem}`;
    } else {
      conditions.push(c.listenerAccepted(gen));
    }
    const frontend: FrontendResult = l.protocol === 'HTTPS' && kinds && !conflict && !tlsProblem ? ctx.frontend?.(l.port) ?? {} : {};
    if (frontend.notAccepted) {
      conditions[0] = frontend.notAccepted;
      problem = `listener ${l.name}: ${frontend.problem}`;
    }
    const accepted = !problem;
    const kindsOf = routeKinds(l, kinds ?? []);
    const invalid = kindsOf.invalid;
    // A TLS listener in a mode Portico does not serve takes no route kind at all (the suite checks supportedKinds is empty).
    const supported = l.protocol === 'TLS' && tlsProblem ? [] : kindsOf.supported;
    if (!problem && supported.length === 0) problem = `listener ${l.name}: allowedRoutes.kinds has no supported kind`;
    // References are resolved whatever else is wrong, so ResolvedRefs tells the whole story at once.
    const certs = terminates && !tlsProblem
      ? certificates.resolve(l.tls?.certificateRefs ?? [], namespace, l.name, gen)
      : { ok: true as const, secrets: [] };
    if (!certs.ok) problem ??= certs.problem;
    if (kinds && conflict) conditions.push(c.listenerNotProgrammedConflicted(gen, conflict.reason as 'HostnameConflict' | 'ProtocolConflict'));
    else conditions.push(problem ? c.listenerNotProgrammed(gen, 'Invalid', problem) : c.listenerProgrammed(gen));
    if (!certs.ok) conditions.push(certs.condition);
    else if (frontend.refsCondition) conditions.push(frontend.refsCondition);
    else conditions.push(invalid.length > 0 ? c.listenerInvalidRouteKindsOf(gen, invalid, kinds ?? []) : c.listenerResolvedRefs(gen));
    conditions.push(conflict ?? c.listenerNoConflicts(gen));
    return {
      spec: l,
      hostname: l.hostname ? l.hostname.toLowerCase() : null,
      accepted,
      valid: !problem,
      problem,
      supportedKinds: supported,
      secrets: certs.ok ? certs.secrets : [],
      ...(options.ok && options.options ? { tlsOptions: options.options } : {}),
      ...(frontend.validation ? { clientValidation: frontend.validation } : {}),
      conditions,
    };
  });
}

/**
 * HTTPS terminates TLS with its own certificates: Passthrough belongs to protocol TLS, and certificates are required.
 * Protocol TLS passes TLS through (Passthrough) or terminates it and forwards the plain stream (Terminate, the default).
 */
function tlsSettingsProblem(l: gw.Listener): string | undefined {
  if (l.protocol === 'TLS') {
    const mode = l.tls?.mode ?? 'Terminate';
    if (mode === 'Passthrough') return undefined;
    if (mode !== 'Terminate') return `tls.mode ${mode} is not a TLS mode; use Terminate or Passthrough`;
    return (l.tls?.certificateRefs ?? []).length > 0 ? undefined
      : 'protocol TLS with tls.mode Terminate needs tls.certificateRefs naming at least one Secret of type kubernetes.io/tls; or set tls.mode Passthrough';
  }
  if (l.protocol !== 'HTTPS') return undefined;
  if (l.tls?.mode === 'Passthrough') {
    return 'tls.mode Passthrough is not valid with protocol HTTPS; use mode Terminate, or protocol TLS with TLSRoutes for passthrough';
  }
  if ((l.tls?.certificateRefs ?? []).length === 0) {
    return 'protocol HTTPS needs tls.certificateRefs naming at least one Secret of type kubernetes.io/tls';
  }
  return undefined;
}

function routeKinds(l: gw.Listener, kinds: readonly string[]): { supported: gw.RouteGroupKind[]; invalid: string[] } {
  const requested = l.allowedRoutes?.kinds;
  if (!requested || requested.length === 0) return { supported: kinds.map((kind) => ({ group: GROUP, kind })), invalid: [] };
  const supported: gw.RouteGroupKind[] = [];
  const invalid: string[] = [];
  for (const k of requested) {
    const group = k.group ?? GROUP;
    if (group === GROUP && kinds.includes(k.kind)) {
      if (!supported.some((s) => s.kind === k.kind)) supported.push({ group, kind: k.kind });
    } else {
      invalid.push(`${group || 'core'}/${k.kind}`);
    }
  }
  return { supported, invalid };
}

/** Conflicted condition per listener name, for listeners that conflict. */
function findConflicts(listeners: readonly gw.Listener[], gen: number): Map<string, Condition> {
  const out = new Map<string, Condition>();
  // UDP listens on its own kernel socket: a UDP listener shares a port number with a TCP-based one without conflict.
  const byPort = new Map<string, gw.Listener[]>();
  for (const l of listeners) {
    const key = `${l.protocol === 'UDP' ? 'udp' : 'tcp'}/${l.port}`;
    byPort.set(key, [...(byPort.get(key) ?? []), l]);
  }
  for (const group of byPort.values()) {
    const port = group[0].port;
    const protocols = new Set(group.map((l) => l.protocol));
    if (protocols.size > 1) {
      for (const l of group) {
        const others = group.filter((o) => o !== l && o.protocol !== l.protocol).map((o) => o.name);
        out.set(l.name, c.listenerProtocolConflict(gen, port, others));
      }
      continue;
    }
    for (const l of group) {
      const host = (l.hostname ?? '').toLowerCase();
      const others = group.filter((o) => o !== l && (o.hostname ?? '').toLowerCase() === host).map((o) => o.name);
      if (others.length > 0) out.set(l.name, c.listenerHostnameConflict(gen, port, l.hostname, others));
    }
  }
  return out;
}
