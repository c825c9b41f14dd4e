// ListenerSet (gateway.networking.k8s.io/v1, experimental channel): upstream names, only the fields Portico reads.
import type { AllowedListeners, Gateway, Listener, ListenerStatus } from './gateway.ts';
import type { Condition, KubeObject } from './meta.ts';

export type ParentGatewayReference = { group?: string; kind?: string; namespace?: string; name: string };

export type ListenerEntry = Listener;

export type ListenerSetStatus = { conditions?: Condition[]; listeners?: ListenerStatus[] };

export type ListenerSet = KubeObject & {
  kind: 'ListenerSet';
  spec: { parentRef: ParentGatewayReference; listeners: ListenerEntry[] };
  status?: ListenerSetStatus;
};

export type { AllowedListeners } from './gateway.ts';

export function allowedListenersOf(g: Gateway): AllowedListeners | undefined {
  return g.spec.allowedListeners;
}
