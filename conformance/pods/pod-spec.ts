// Turns a Kubernetes Pod object into the `Pod` its echo image would see: identity, the first container's
// image and environment (literal values, `$(VAR)` expansion, fieldRefs) and files of Secret/ConfigMap
// volumes, read from the caches when asked so late-arriving Secrets are seen.
import { posix } from 'node:path';
import type { V1ConfigMap, V1Pod, V1Secret } from '@kubernetes/client-node';
import type { Pod } from './types.ts';

export type VolumeSources = {
  secret(namespace: string, name: string): V1Secret | undefined;
  configMap(namespace: string, name: string): V1ConfigMap | undefined;
};

export type ServerKind = 'dns' | 'grpc' | 'tcp' | 'udp' | 'mesh' | 'http';

/** echo-basic's mode selection (first match wins), with the other images of the suite in front. */
export function serverKind(pod: Pick<Pod, 'image' | 'env'>): ServerKind {
  if (pod.image.includes('coredns')) return 'dns';
  if (pod.env.GRPC_ECHO_SERVER) return 'grpc';
  if (pod.env.TCP_ECHO_SERVER) return 'tcp';
  if (pod.env.UDP_ECHO_SERVER) return 'udp';
  if (pod.image.includes('echo-advanced')) return 'mesh';
  return 'http';
}

/** Whether the pod should be played now: it has an IP and is not going away. */
export function isPlayable(obj: V1Pod): boolean {
  return !!obj.status?.podIP && !obj.metadata?.deletionTimestamp && (obj.spec?.containers?.length ?? 0) > 0;
}

function fieldRef(obj: V1Pod, path: string): string {
  switch (path) {
    case 'metadata.name': return obj.metadata?.name ?? '';
    case 'metadata.namespace': return obj.metadata?.namespace ?? '';
    case 'metadata.uid': return obj.metadata?.uid ?? '';
    case 'status.podIP': return obj.status?.podIP ?? '';
    case 'status.hostIP': return obj.status?.hostIP ?? '';
    case 'spec.nodeName': return obj.spec?.nodeName ?? '';
    case 'spec.serviceAccountName': return obj.spec?.serviceAccountName ?? '';
    default: {
      const label = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
      if (label) return (label[1] === 'labels' ? obj.metadata?.labels : obj.metadata?.annotations)?.[label[2]!] ?? '';
      return '';
    }
  }
}

/** The kubelet's `$(VAR)` expansion against variables defined earlier; `$$` escapes a `$`. */
function expand(value: string, env: Record<string, string>): string {
  return value.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (whole, name: string | undefined) => {
    if (name === undefined) return '$';
    return name in env ? env[name]! : whole;
  });
}

export function containerEnv(obj: V1Pod): Record<string, string> {
  const env: Record<string, string> = {};
  for (const e of obj.spec?.containers?.[0]?.env ?? []) {
    if (e.valueFrom?.fieldRef) env[e.name] = fieldRef(obj, e.valueFrom.fieldRef.fieldPath);
    else if (e.value !== undefined) env[e.name] = expand(e.value, env);
    else if (!e.valueFrom) env[e.name] = '';
  }
  return env;
}

function decode(b64: string): string {
  return Buffer.from(b64, 'base64').toString('utf8');
}

/** Returns a reader for the files the first container sees through its Secret and ConfigMap volumes. */
export function volumeReader(obj: V1Pod, sources: VolumeSources): (path: string) => string | undefined {
  const namespace = obj.metadata?.namespace ?? '';
  const mounts = obj.spec?.containers?.[0]?.volumeMounts ?? [];
  const volumes = obj.spec?.volumes ?? [];
  return (path) => {
    const wanted = posix.normalize(path);
    for (const m of mounts) {
      const mountPath = posix.normalize(m.mountPath).replace(/\/$/, '');
      let rel: string;
      if (m.subPath) {
        if (wanted !== mountPath) continue;
        rel = m.subPath;
      } else if (wanted.startsWith(mountPath + '/')) rel = wanted.slice(mountPath.length + 1);
      else continue;
      const v = volumes.find((x) => x.name === m.name);
      if (!v) continue;
      let files: Record<string, string> | undefined;
      let items: { key: string; path: string }[] | undefined;
      if (v.secret?.secretName) {
        const s = sources.secret(namespace, v.secret.secretName);
        if (s) files = Object.fromEntries(Object.entries(s.data ?? {}).map(([k, b]) => [k, decode(b)]));
        if (s?.stringData) files = { ...files, ...s.stringData };
        items = v.secret.items;
      } else if (v.configMap?.name) {
        const c = sources.configMap(namespace, v.configMap.name);
        if (c) files = { ...Object.fromEntries(Object.entries(c.binaryData ?? {}).map(([k, b]) => [k, decode(b)])), ...c.data };
        items = v.configMap.items;
      } else continue;
      if (!files) continue;
      const key = items && items.length > 0 ? items.find((i) => posix.normalize(i.path) === rel)?.key : rel;
      if (key !== undefined && key in files) return files[key];
    }
    return undefined;
  };
}

/** The `Pod` of a playable Pod object (see isPlayable), with the given log function. */
export function podFromSpec(obj: V1Pod, sources: VolumeSources, log: (line: string) => void): Pod {
  const c = obj.spec!.containers[0]!;
  return {
    namespace: obj.metadata?.namespace ?? '',
    name: obj.metadata?.name ?? '',
    ip: obj.status!.podIP!,
    image: c.image ?? '',
    container: c.name,
    env: containerEnv(obj),
    readFile: volumeReader(obj, sources),
    log,
  };
}

/** What, when it changes, needs the pod's servers restarted. */
export function podFingerprint(obj: V1Pod): string {
  const c = obj.spec?.containers?.[0];
  return JSON.stringify([obj.metadata?.uid, obj.status?.podIP, c?.image, c?.name, containerEnv(obj), c?.volumeMounts, obj.spec?.volumes]);
}
