// The file source: `-f` paths read into the ResourceStore and watched, so an edit applies without a restart.
// A file that stops parsing keeps its last good content in force until it parses again.
import { watch, type FSWatcher } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { objectId } from '../api/snapshot.ts';
import { debounce, type Debouncer } from './debounce.ts';
import { listManifestFiles, loadFile, mergeFiles, SourceError, type FileLoad } from './files.ts';
import type { ParsedObject } from './parse.ts';
import type { ResourceStore } from './store.ts';

/** The subset of a pino logger the source uses. */
export type SourceLog = {
  info(fields: object, msg: string): void;
  warn(fields: object, msg: string): void;
  error(fields: object, msg: string): void;
};

export type FileSourceOptions = {
  paths: readonly string[];
  store: ResourceStore;
  /** Called after the store changed (objects added, edited or removed). */
  onChange: () => void;
  log: SourceLog;
  /** Watch for changes (default true). */
  watch?: boolean;
  /** Re-scan on a timer as well, for file systems where watch events go missing; 0 turns it off. */
  pollMs?: number;
};

type FileState = { text: string | null; good: ParsedObject[]; errorText?: string };

export class FileSource {
  readonly #opts: FileSourceOptions;
  readonly #files = new Map<string, FileState>();
  readonly #watchers: FSWatcher[] = [];
  readonly #rescan: Debouncer;
  #poll: NodeJS.Timeout | undefined;
  #warnedDuplicates = new Set<string>();
  #missingPaths = new Set<string>();
  #closed = false;

  constructor(options: FileSourceOptions) {
    this.#opts = options;
    this.#rescan = debounce(() => this.scan(), { holdoffMs: 10, maxMs: 100, onError: (err) => this.#logError(err) });
  }

  /** Reads every file once, then starts watching. Throws SourceError when a `-f` path does not exist. */
  async start(): Promise<void> {
    await listManifestFiles(this.#opts.paths); // fail fast on a mistyped path
    await this.scan();
    if (this.#opts.watch !== false) await this.#watch();
    const pollMs = this.#opts.pollMs ?? 2000;
    if (pollMs > 0 && this.#opts.watch !== false) {
      this.#poll = setInterval(() => this.#rescan.trigger(), pollMs);
      this.#poll.unref();
    }
  }

  /** Files whose current content does not parse, with the error message (file:line: ...). */
  errors(): { file: string; message: string }[] {
    return [...this.#files].filter(([, s]) => s.errorText).map(([file, s]) => ({ file, message: s.errorText! }));
  }

  /** Re-lists the paths, re-reads every file, and updates the store with whatever changed. */
  async scan(): Promise<void> {
    if (this.#closed) return;
    const files = await this.#list();
    const loads = await Promise.all(files.map((f) => loadFile(f)));
    for (const gone of [...this.#files.keys()].filter((f) => !files.includes(f))) {
      this.#files.delete(gone);
      this.#opts.log.info({ file: gone }, `${gone}: file removed; its objects are gone`);
    }
    for (const load of loads) this.#absorb(load);
    this.#sync();
  }

  async #list(): Promise<string[]> {
    const out: string[] = [];
    for (const p of this.#opts.paths) {
      try {
        out.push(...(await listManifestFiles([p])));
        this.#missingPaths.delete(p);
      } catch (err) {
        if (!(err instanceof SourceError)) throw err;
        if (!this.#missingPaths.has(p)) this.#opts.log.warn({ path: p }, `${err.message}; its objects are removed until it is back`);
        this.#missingPaths.add(p);
      }
    }
    return [...new Set(out)].sort();
  }

  #absorb(load: FileLoad): void {
    const prev = this.#files.get(load.file);
    if (prev && prev.text === load.text && load.text !== null) return; // unchanged
    if (load.text === null && !load.error) {
      if (prev) this.#files.delete(load.file); // vanished between listing and reading
      return;
    }
    if (load.error) {
      const message = load.error.message;
      if (prev?.errorText !== message) {
        const line = 'line' in load.error ? load.error.line : undefined;
        const kept = prev && prev.good.length > 0 ? '; keeping its last good content' : '';
        this.#opts.log.error({ file: load.file, line }, `${message}${kept}`);
      }
      this.#files.set(load.file, { text: load.text, good: prev?.good ?? [], errorText: message });
      return;
    }
    if (prev?.errorText) this.#opts.log.info({ file: load.file }, `${load.file}: parses again; applying it`);
    this.#files.set(load.file, { text: load.text, good: load.objects });
  }

  #sync(): void {
    const { objects, duplicates } = mergeFiles([...this.#files].map(([file, s]) => ({ file, objects: s.good })));
    const current = new Set<string>();
    for (const d of duplicates) current.add(`${d.id} ${d.kept} ${d.ignored}`);
    for (const d of duplicates) {
      const key = `${d.id} ${d.kept} ${d.ignored}`;
      if (this.#warnedDuplicates.has(key)) continue;
      this.#opts.log.warn(
        { object: d.id, kept: d.kept, ignored: d.ignored },
        `${d.id} is defined twice: using ${d.kept}, ignoring ${d.ignored}; remove one of them`,
      );
    }
    this.#warnedDuplicates = current;
    const { store } = this.#opts;
    let changed = false;
    const live = new Set<string>();
    for (const p of objects) {
      live.add(objectId(p.object));
      if (store.upsert(p.object, { file: p.file, line: p.line })) changed = true;
    }
    for (const id of store.ids()) {
      if (live.has(id)) continue;
      const [kind, ns, ...name] = id.split('/');
      if (store.delete(kind, ns || undefined, name.join('/'))) changed = true;
    }
    if (changed) this.#opts.onChange();
  }

  async #watch(): Promise<void> {
    const onEvent = () => this.#rescan.trigger();
    const add = (target: string, opts: { recursive: boolean }, filter?: string) => {
      try {
        const w = watch(target, { recursive: opts.recursive, persistent: false }, (_event, name) => {
          // Watching the parent directory of a named file survives editors that write a new file and rename it over.
          if (filter && name !== null && basename(String(name)) !== filter) return;
          onEvent();
        });
        w.on('error', (err) => {
          this.#opts.log.warn({ path: target }, `${target}: watch stopped (${err.message}); falling back to periodic re-scan`);
          w.close();
        });
        this.#watchers.push(w);
      } catch (err) {
        this.#opts.log.warn({ path: target }, `${target}: cannot watch (${(err as Error).message}); relying on periodic re-scan`);
      }
    };
    for (const p of this.#opts.paths) {
      const info = await stat(p).catch(() => null);
      if (info?.isDirectory()) add(p, { recursive: true });
      else add(dirname(resolve(p)), { recursive: false }, basename(p));
    }
  }

  /** Waits until every change seen so far is in the store. */
  async settle(): Promise<void> {
    await this.#rescan.flush();
  }

  close(): void {
    this.#closed = true;
    this.#rescan.cancel();
    if (this.#poll) clearInterval(this.#poll);
    for (const w of this.#watchers) w.close();
    this.#watchers.length = 0;
  }

  #logError(err: unknown): void {
    this.#opts.log.error({ err }, `file source: re-scan failed: ${(err as Error)?.message ?? err}`);
  }
}
