// Writes status to the API server: for each object, read the live object, merge our status into it, compare,
// and replace the status subresource only when something changed. The live resourceVersion goes with the write,
// so a concurrent change answers 409 and we read again and retry.
import { rfc3339 } from '../api/meta.ts';
import { mergeStatus } from './merge.ts';
import type { ObjectStatus, StatusSnapshot } from './types.ts';

/** A live object as the API server returns it; only what the writer reads is typed. */
export type LiveObject = {
  metadata: { resourceVersion?: string; generation?: number };
  status?: unknown;
  [field: string]: unknown;
};

/** The API calls the writer makes; src/cli/controller.ts backs it with the API server, tests with a fake. */
export type StatusClient = {
  /** The live object, or null when it no longer exists. */
  get(s: ObjectStatus): Promise<LiveObject | null>;
  /** PUT on the status subresource; rejects with `{ code: 409 }` on a resourceVersion conflict. */
  replaceStatus(s: ObjectStatus, object: LiveObject): Promise<void>;
};

export type WriterOptions = {
  controllerName: string;
  now?: () => Date;
  /** Attempts per object when the API server keeps answering 409. */
  attempts?: number;
  warn?: (message: string) => void;
};

export type WriteReport = { written: string[]; unchanged: number; gone: number; failed: string[] };

export class StatusWriter {
  readonly #client: StatusClient;
  readonly #o: WriterOptions;

  constructor(client: StatusClient, options: WriterOptions) {
    this.#client = client;
    this.#o = options;
  }

  /** Writes every object's status; one object failing does not stop the others (it is reported and retried on the next pass). */
  async write(snapshot: StatusSnapshot): Promise<WriteReport> {
    const report: WriteReport = { written: [], unchanged: 0, gone: 0, failed: [] };
    for (const s of snapshot) {
      const id = describe(s);
      try {
        const outcome = await this.#writeOne(s);
        if (outcome === 'written') report.written.push(id);
        else if (outcome === 'unchanged') report.unchanged++;
        else report.gone++;
      } catch (err) {
        const line = `cannot write the status of ${id}: ${(err as Error)?.message ?? err}`;
        report.failed.push(line);
        this.#o.warn?.(line);
      }
    }
    return report;
  }

  async #writeOne(s: ObjectStatus): Promise<'written' | 'unchanged' | 'gone'> {
    const attempts = this.#o.attempts ?? 5;
    for (let i = 1; ; i++) {
      const live = await this.#client.get(s);
      if (!live) return 'gone';
      const now = rfc3339((this.#o.now ?? (() => new Date()))());
      const merged = mergeStatus(s, live.status, this.#o.controllerName, now);
      if (sameJson(merged, live.status ?? {})) return 'unchanged';
      try {
        await this.#client.replaceStatus(s, { ...live, status: merged });
        return 'written';
      } catch (err) {
        if ((err as { code?: number }).code !== 409 || i >= attempts) throw err;
      }
    }
  }
}

function describe(s: ObjectStatus): string {
  return `${s.kind} ${s.namespace === undefined ? '' : `${s.namespace}/`}${s.name}`;
}

/** Equal as JSON, key order aside (the API server may return keys in another order than we build them). */
export function sameJson(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x as Record<string, unknown>).sort(([p], [q]) => (p < q ? -1 : p > q ? 1 : 0))) : x);
}
