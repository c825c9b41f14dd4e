// The order of every status list translation hands out: kind, namespace, name.
import type { ObjectStatus } from './types.ts';

export function compareStatus(a: ObjectStatus, b: ObjectStatus): number {
  return cmp(a.kind, b.kind) || cmp(a.namespace ?? '', b.namespace ?? '') || cmp(a.name, b.name);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
