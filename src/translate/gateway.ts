// Gateways of our classes: addresses, listeners, and the Gateway's own conditions.
import { isIP } from 'node:net';
import type { Condition } from '../api/meta.ts';
import type * as gw from '../api/gateway.ts';
import type { GatewayKey } from '../ir/types.ts';
import * as c from '../status/conditions.ts';
import type { CertificateResolver } from './certificates.ts';
import { insecureFallbackWhere } from './frontend-tls.ts';
import { analyzeListeners, type ListenerInfo } from './listeners.ts';

export type GatewayInfo = {
  gateway: gw.Gateway;
  key: GatewayKey;
  namespace: string;
  generation: number;
  accepted: boolean;
  addresses: string[];
  listeners: ListenerInfo[];
  conditions: Condition[];
};

export function gatewayKey(namespace: string, name: string): GatewayKey {
  return `${namespace}/${name}` as GatewayKey;
}

/** Whether a ConfigMap exists: the only kind Portico takes as Gateway parameters. */
export type ConfigMapLookup = (namespace: string, name: string) => boolean;

export function analyzeGateway(g: gw.Gateway, certificates: CertificateResolver, configMapExists: ConfigMapLookup): GatewayInfo {
  const gen = g.metadata.generation ?? 1;
  const namespace = g.metadata.namespace ?? 'default';
  const listeners = analyzeListeners(g, certificates);
  const { addresses, problem: addressProblem } = requestedAddresses(g.spec.addresses ?? []);
  const invalid = listeners.filter((l) => !l.valid).map((l) => l.problem!);
  // A listener that is accepted but not programmed (a certificate that does not resolve yet, no supported route
  // kind) leaves the Gateway accepted: what it lacks can appear later without touching the Gateway. The suite
  // relies on it too: Gateways whose only listener has a cross-namespace certificate without grant are not exempt
  // from its readiness checks (Accepted and Programmed True).
  const anyAccepted = listeners.some((l) => l.accepted);
  let accepted: Condition;
  const parametersProblem = parametersRefProblem(g, namespace, configMapExists);
  if (parametersProblem) accepted = c.gatewayInvalidParameters(gen, parametersProblem);
  else if (addressProblem) accepted = c.gatewayUnsupportedAddress(gen, addressProblem);
  else if (!anyAccepted) accepted = c.gatewayListenersNotValid(gen, false, invalid.join('; ') || 'spec.listeners is empty');
  else if (invalid.length === 0) accepted = c.gatewayAccepted(gen);
  else accepted = c.gatewayListenersNotValid(gen, true, invalid.join('; '));
  const ok = accepted.status === 'True';
  if (!ok) {
    // A rejected Gateway programs none of its listeners, whatever each listener's own state.
    for (const l of listeners) {
      l.valid = false;
      l.problem ??= `listener ${l.spec.name}: the Gateway is not accepted`;
      l.conditions = l.conditions.map((x) => (x.type === 'Programmed' ? c.listenerNotProgrammed(gen, 'Invalid', 'the Gateway is not accepted') : x));
    }
  }
  const programmed = ok ? c.gatewayProgrammed(gen) : c.gatewayNotProgrammed(gen, 'the Gateway is not accepted; see the Accepted condition');
  return {
    gateway: g, key: gatewayKey(namespace, g.metadata.name), namespace, generation: gen, accepted: ok,
    addresses, listeners, conditions: [accepted, programmed, ...insecureFrontend(g, gen)],
  };
}

/**
 * spec.infrastructure.parametersRef must name a ConfigMap in the Gateway's namespace (what the kubernetes
 * infrastructure reads its proxy settings from). Its content is checked where it is used; here only that
 * the reference can resolve, so that every infrastructure mode rejects the same Gateways.
 */
function parametersRefProblem(g: gw.Gateway, namespace: string, configMapExists: ConfigMapLookup): string | undefined {
  const ref = g.spec.infrastructure?.parametersRef;
  if (!ref) return undefined;
  const where = `spec.infrastructure.parametersRef (${ref.group || 'core'}/${ref.kind} ${ref.name})`;
  if ((ref.group ?? '') !== '' || ref.kind !== 'ConfigMap') {
    return `${where}: Portico takes its Gateway parameters from a ConfigMap (group "", kind ConfigMap) in the Gateway's namespace`;
  }
  if (!configMapExists(namespace, ref.name)) return `${where}: ConfigMap ${namespace}/${ref.name} does not exist; create it or remove parametersRef`;
  return undefined;
}

function requestedAddresses(spec: readonly gw.GatewaySpecAddress[]): { addresses: string[]; problem?: string } {
  const addresses: string[] = [];
  for (const [i, a] of spec.entries()) {
    const type = a.type ?? 'IPAddress';
    if (type !== 'IPAddress') return { addresses, problem: `spec.addresses[${i}] has type ${type}, which Portico does not support` };
    if (!a.value || isIP(a.value) === 0) {
      return { addresses, problem: `spec.addresses[${i}] value ${JSON.stringify(a.value ?? '')} is not an IP address` };
    }
    addresses.push(a.value);
  }
  return { addresses };
}

/** The spec asks for this condition while any port may accept clients without a valid certificate. */
function insecureFrontend(g: gw.Gateway, gen: number): Condition[] {
  const where = insecureFallbackWhere(g);
  return where ? [c.gatewayInsecureFrontendValidation(gen, where)] : [];
}
