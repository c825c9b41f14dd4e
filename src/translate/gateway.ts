// Gateways of our classes: addresses, listeners, and the Gateway's own conditions.
import { isIP } from 'node:net';
import type { Condition } from '../api/meta.ts';
import type * as gw from '../api/gateway.ts';
import type { GatewayKey } from '../ir/types.ts';
import * as c from '../status/conditions.ts';
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

export function analyzeGateway(g: gw.Gateway): GatewayInfo {
  const gen = g.metadata.generation ?? 1;
  const namespace = g.metadata.namespace ?? 'default';
  const listeners = analyzeListeners(g);
  const { addresses, problem: addressProblem } = requestedAddresses(g.spec.addresses ?? []);
  const invalid = listeners.filter((l) => !l.valid).map((l) => l.problem!);
  const anyValid = listeners.some((l) => l.valid);
  let accepted: Condition;
  if (addressProblem) accepted = c.gatewayUnsupportedAddress(gen, addressProblem);
  else if (!anyValid) accepted = c.gatewayListenersNotValid(gen, false, invalid.join('; ') || 'spec.listeners is empty');
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
    addresses, listeners, conditions: [accepted, programmed],
  };
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
