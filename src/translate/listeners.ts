// Listener validation: protocol support, TLS settings and certificates, allowed route kinds, and conflicts between
// listeners sharing a port.
import type { Condition } from '../api/meta.ts';
import type * as gw from '../api/gateway.ts';
import { GROUP } from '../api/gateway.ts';
import * as c from '../status/conditions.ts';
import type { CertificateResolver, NamedSecret } from './certificates.ts';

/** Route kinds each protocol can carry; a protocol missing here is unsupported. TLS means passthrough only. */
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
  /** HTTPS: the certificates, resolved and checked; empty for other protocols or when they do not resolve. */
  secrets: NamedSecret[];
  conditions: Condition[];
};

export function analyzeListeners(gateway: gw.Gateway, certificates: CertificateResolver): ListenerInfo[] {
  const gen = gateway.metadata.generation ?? 1;
  const namespace = gateway.metadata.namespace ?? 'default';
  const listeners = gateway.spec.listeners ?? [];
  const conflicts = findConflicts(listeners, gen);
  return listeners.map((l) => {
    const conditions: Condition[] = [];
    const kinds = ROUTE_KINDS[l.protocol];
    const conflict = conflicts.get(l.name);
    const tlsProblem = kinds ? tlsSettingsProblem(l) : undefined;
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
    const accepted = !problem;
    const kindsOf = routeKinds(l, kinds ?? []);
    const invalid = kindsOf.invalid;
    // A TLS listener in a mode Portico does not serve takes no route kind at all (the suite checks supportedKinds is empty).
    const supported = l.protocol === 'TLS' && tlsProblem ? [] : kindsOf.supported;
    if (!problem && supported.length === 0) problem = `listener ${l.name}: allowedRoutes.kinds has no supported kind`;
    // References are resolved whatever else is wrong, so ResolvedRefs tells the whole story at once.
    const certs = l.protocol === 'HTTPS' && !tlsProblem
      ? certificates.resolve(l.tls?.certificateRefs ?? [], namespace, l.name, gen)
      : { ok: true as const, secrets: [] };
    if (!certs.ok) problem ??= certs.problem;
    conditions.push(problem ? c.listenerNotProgrammed(gen, 'Invalid', problem) : c.listenerProgrammed(gen));
    if (!certs.ok) conditions.push(certs.condition);
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
      conditions,
    };
  });
}

/**
 * HTTPS terminates TLS with its own certificates: Passthrough belongs to protocol TLS, and certificates are required.
 * Protocol TLS is served in Passthrough mode only (TLSRouteModeTerminate is not implemented).
 */
function tlsSettingsProblem(l: gw.Listener): string | undefined {
  if (l.protocol === 'TLS') {
    const mode = l.tls?.mode ?? 'Terminate';
    return mode === 'Passthrough' ? undefined
      : `tls.mode ${mode} is not supported with protocol TLS; Portico passes TLS through only: set tls.mode Passthrough, or use protocol HTTPS with HTTPRoutes to terminate TLS`;
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
