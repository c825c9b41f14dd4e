// Points kwok's kubelet endpoint at each played pod's log file, so `pods/log` (what the suite's mirror
// tests read) returns what the pod wrote. kwok has no per-pod file template: one `Logs` object per pod,
// owned by the Pod so the garbage collector removes it with the pod.
import { CustomObjectsApi } from '@kubernetes/client-node';
import type { KubeConfig } from '@kubernetes/client-node';

const GROUP = 'kwok.x-k8s.io';
const VERSION = 'v1alpha1';
const PLURAL = 'logs';

export type LogsTarget = { namespace: string; name: string; uid: string; container: string; file: string };

export function logsObject(t: LogsTarget): Record<string, unknown> {
  return {
    apiVersion: `${GROUP}/${VERSION}`,
    kind: 'Logs',
    metadata: {
      name: t.name,
      namespace: t.namespace,
      ownerReferences: [{ apiVersion: 'v1', kind: 'Pod', name: t.name, uid: t.uid }],
    },
    spec: { logs: [{ containers: [t.container], logsFile: t.file }] },
  };
}

export function kwokLogs(kc: KubeConfig): (t: LogsTarget) => Promise<void> {
  const api = kc.makeApiClient(CustomObjectsApi);
  return async (t) => {
    const body = logsObject(t);
    try {
      await api.createNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: t.namespace, plural: PLURAL, body });
    } catch (err) {
      if ((err as { code?: number }).code !== 409) throw err;
      // A pod name reused in a namespace (StatefulSet-like) keeps its Logs object: point it at the new pod.
      await api.patchNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: t.namespace, plural: PLURAL, name: t.name, body: [{ op: 'replace', path: '/spec', value: body.spec }, { op: 'replace', path: '/metadata/ownerReferences', value: (body.metadata as { ownerReferences: unknown }).ownerReferences }] });
    }
  };
}
