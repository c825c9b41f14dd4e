// Kubernetes object metadata and the condition shape, as the API server stores them.

export type ObjectMeta = {
  name: string;
  namespace?: string;
  generation?: number;
  creationTimestamp?: string;
  resourceVersion?: string;
  uid?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
};

export type Condition = {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  observedGeneration?: number;
  lastTransitionTime?: string;
};

/** Where an object was read from, for error messages: `file:line` or `kubernetes`. */
export type Origin = { file?: string; line?: number };

export type KubeObject = {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
};

export type LabelSelector = {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] }[];
};

/** A time as Kubernetes writes it in metadata and conditions: RFC 3339, UTC, whole seconds. */
export function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
