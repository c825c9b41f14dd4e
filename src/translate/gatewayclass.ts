// GatewayClasses: only those naming our controller are ours; others are left alone entirely.
import type * as gw from '../api/gateway.ts';
import { CONTROLLER_NAME } from '../api/gateway.ts';
import { supportedFeatures } from '../api/features.ts';
import type { ObjectStatus } from '../status/types.ts';
import * as c from '../status/conditions.ts';

export function ourClasses(classes: readonly gw.GatewayClass[]): gw.GatewayClass[] {
  return classes.filter((k) => k.spec?.controllerName === CONTROLLER_NAME);
}

export function classStatus(k: gw.GatewayClass): ObjectStatus {
  const gen = k.metadata.generation ?? 1;
  return {
    apiVersion: k.apiVersion, kind: 'GatewayClass', name: k.metadata.name, generation: gen,
    status: { conditions: [c.classAccepted(gen)], supportedFeatures: supportedFeatures() },
  };
}
