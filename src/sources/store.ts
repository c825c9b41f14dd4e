// Holds the live objects of every source, with the bookkeeping the API server would do for us in a cluster:
// generation bumps on spec changes, a creationTimestamp kept across reloads.
import { rfc3339, type KubeObject, type Origin } from '../api/meta.ts';
import { compareObjects, emptySnapshot, objectId, SNAPSHOT_FIELDS, type ResourceSnapshot } from '../api/snapshot.ts';

type Entry = {
  object: KubeObject;
  origin: Origin;
  /** stableJson of the spec and of metadata+status, kept so an upsert serialises the incoming object only once. */
  spec: string;
  meta: string;
};

export type StoreOptions = {
  /** Clock for creationTimestamp of objects that did not give one; injected by tests. */
  now?: () => Date;
};

type Field = (typeof SNAPSHOT_FIELDS)[keyof typeof SNAPSHOT_FIELDS];

/**
 * The snapshot's lists, kept sorted as objects come and go (a binary search and one splice each) instead of being
 * grouped and sorted again on every snapshot: at thousands of routes that sort was a few ms of every rebuild. A
 * list or the origins handed out in a snapshot is never changed again: the next change copies it first.
 */
class SortedView {
  readonly #lists = new Map<Field, KubeObject[]>();
  readonly #shared = new Set<Field | 'origins'>();
  #origins = new Map<string, Origin>();

  set(id: string, object: KubeObject, origin: Origin): void {
    this.#writeOrigins().set(id, origin);
    const list = this.#write(object.kind);
    if (list === null) return;
    const at = search(list, object);
    if (at < list.length && compareObjects(list[at], object) === 0) list[at] = object;
    else list.splice(at, 0, object);
  }

  delete(id: string, object: KubeObject): void {
    this.#writeOrigins().delete(id);
    const list = this.#write(object.kind);
    if (list === null) return;
    const at = search(list, object);
    if (at < list.length && compareObjects(list[at], object) === 0) list.splice(at, 1);
  }

  snapshot(): ResourceSnapshot {
    const out: Record<string, unknown> = { ...emptySnapshot() };
    for (const [field, list] of this.#lists) {
      out[field] = list;
      this.#shared.add(field);
    }
    this.#shared.add('origins');
    return { ...(out as ResourceSnapshot), origins: this.#origins };
  }

  #write(kind: string): KubeObject[] | null {
    const field = (SNAPSHOT_FIELDS as Record<string, Field>)[kind];
    if (field === undefined) return null;
    let list = this.#lists.get(field) ?? [];
    if (this.#shared.delete(field)) list = [...list];
    this.#lists.set(field, list);
    return list;
  }

  #writeOrigins(): Map<string, Origin> {
    if (this.#shared.delete('origins')) this.#origins = new Map(this.#origins);
    return this.#origins;
  }
}

/** Where `o` is or would go in a list sorted by compareObjects. */
function search(list: readonly KubeObject[], o: KubeObject): number {
  let lo = 0, hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareObjects(list[mid], o) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class ResourceStore {
  readonly #entries = new Map<string, Entry>();
  readonly #view = new SortedView();
  readonly #now: () => Date;
  #revision = 0;

  constructor(options: StoreOptions = {}) {
    this.#now = options.now ?? (() => new Date());
  }

  /** Bumped on every change; lets callers skip work when nothing moved. */
  get revision(): number {
    return this.#revision;
  }

  get size(): number {
    return this.#entries.size;
  }

  /**
   * Stores an object as the source read it. A `metadata.generation` left undefined is managed here: 1 for a new
   * object, +1 when a live object's spec changes. Returns whether anything observable changed.
   */
  upsert(input: KubeObject, origin: Origin = {}): boolean {
    const id = objectId(input);
    const prev = this.#entries.get(id);
    const spec = specJson(input);
    const metadata = { ...input.metadata };
    if (metadata.generation === undefined) {
      if (!prev) metadata.generation = 1;
      else metadata.generation = (prev.object.metadata.generation ?? 1) + (prev.spec === spec ? 0 : 1);
    }
    if (metadata.creationTimestamp === undefined) {
      metadata.creationTimestamp = prev?.object.metadata.creationTimestamp ?? rfc3339(this.#now());
    }
    const object = { ...input, metadata } as KubeObject;
    const meta = metaJson(object);
    if (prev && sameOrigin(prev.origin, origin) && prev.spec === spec && prev.meta === meta) return false;
    this.#entries.set(id, { object, origin, spec, meta });
    this.#view.set(id, object, origin);
    this.#revision++;
    return true;
  }

  delete(kind: string, namespace: string | undefined, name: string): boolean {
    return this.deleteId(`${kind}/${namespace ?? ''}/${name}`);
  }

  /** Removes the object with this `objectId()`; returns whether it was there. */
  deleteId(id: string): boolean {
    const entry = this.#entries.get(id);
    if (entry === undefined) return false;
    this.#entries.delete(id);
    this.#view.delete(id, entry.object);
    this.#revision++;
    return true;
  }

  get(id: string): KubeObject | undefined {
    return this.#entries.get(id)?.object;
  }

  ids(): string[] {
    return [...this.#entries.keys()];
  }

  objects(): KubeObject[] {
    return [...this.#entries.values()].map((e) => e.object);
  }

  /** Every kind the translator reads, each list sorted by namespace and name, as snapshotOf() would build it. */
  snapshot(): ResourceSnapshot {
    return this.#view.snapshot();
  }
}

/** Everything but metadata and status is "spec" for generation purposes (EndpointSlice keeps its fields at top level). */
function specJson(o: KubeObject): string {
  const { metadata: _m, status: _s, ...rest } = o as KubeObject & { status?: unknown };
  return stableJson(rest);
}

function metaJson(o: KubeObject): string {
  return stableJson([o.metadata, (o as KubeObject & { status?: unknown }).status ?? null]);
}

function sameOrigin(a: Origin, b: Origin): boolean {
  return a.file === b.file && a.line === b.line;
}

/** JSON with sorted keys, so key order in a file does not count as a change. */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    }
    return v;
  });
}
