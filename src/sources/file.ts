// The file source: `-f` paths read into the ResourceStore and watched, so an edit applies without a restart.
// A file that stops parsing keeps its last good content in force until it parses again.
import { statSync, watch, type FSWatcher } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { objectId } from '../api/snapshot.ts';
import { debounce, type Debouncer } from './debounce.ts';
import { listDirectories, listManifestFiles, loadFile, loadFileSync, MANIFEST_EXT, mergeFiles, SourceError, type FileLoad } from './files.ts';
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

/** `stamp` (size, times, inode) lets a re-scan skip reading a file that did not change. */
/** `emptySince`: when the file was first seen empty after holding objects (see EMPTY_CONFIRM_MS). */
type FileState = { text: string | null; good: ParsedObject[]; errorText?: string; stamp?: string; emptySince?: number };

/**
 * File times have coarse granularity (a jiffy on Linux, seconds on some file systems): a file written again within
 * the same tick keeps its stamp. So a stamp younger than this is not trusted and the file is read again next time.
 */
const RACY_MS = 2000;

/**
 * Many editors and fs.writeFile save in place: truncate, then write. A read in between sees an empty file, and
 * taking that at its word would drop every object of the file for a moment (and restart their generations). So a
 * file that held objects must read empty for this long before its objects go.
 */
const EMPTY_CONFIRM_MS = 250;

/** Watch events naming at most this many files, each at most SYNC_BYTES long, are read with blocking calls. */
const SYNC_FILES = 4;
const SYNC_BYTES = 1 << 20;

type Loaded = { load: FileLoad; stamp: string | undefined } | null | 'dir';

export class FileSource {
  readonly #opts: FileSourceOptions;
  readonly #files = new Map<string, FileState>();
  readonly #watchers = new Map<string, FSWatcher>();
  readonly #rescan: Debouncer;
  #poll: NodeJS.Timeout | undefined;
  #warnedDuplicates = new Set<string>();
  #missingPaths = new Set<string>();
  #closed = false;
  #started = false;
  #confirmEmpty: NodeJS.Timeout | undefined;
  /** What the last sync put in the store, by object id: the store holds exactly these. */
  #synced = new Map<string, ParsedObject>();
  /** The ids each file put in the store (the files that won their duplicates). */
  #idsByFile = new Map<string, string[]>();
  /** Files watch events named since the last scan, or 'all' when something needs the whole listing again. */
  #dirty: Set<string> | 'all' = new Set();

  constructor(options: FileSourceOptions) {
    this.#opts = options;
    this.#rescan = debounce(() => this.#scanDirty(), { holdoffMs: 10, maxMs: 100, leading: true, onError: (err) => this.#logError(err) });
  }

  /** Reads every file once, then starts watching. Throws SourceError when a `-f` path does not exist. */
  async start(): Promise<void> {
    await listManifestFiles(this.#opts.paths); // fail fast on a mistyped path
    await this.scan();
    this.#started = true;
    await this.#watch();
    const pollMs = this.#opts.pollMs ?? 2000;
    if (pollMs > 0 && this.#opts.watch !== false) {
      this.#poll = setInterval(() => this.#touchAll(), pollMs);
      this.#poll.unref();
    }
  }

  /** Files whose current content does not parse, with the error message (file:line: ...). */
  errors(): { file: string; message: string }[] {
    return [...this.#files].filter(([, s]) => s.errorText).map(([file, s]) => ({ file, message: s.errorText! }));
  }

  /** Re-lists the paths, reads the files whose stamp changed, and updates the store only if some file changed. */
  async scan(): Promise<void> {
    if (this.#closed) return;
    const files = await this.#list();
    const listed = new Set(files);
    let changed = false;
    for (const gone of [...this.#files.keys()].filter((f) => !listed.has(f))) {
      this.#files.delete(gone);
      changed = true;
      this.#opts.log.info({ file: gone }, `${gone}: file removed; its objects are gone`);
    }
    const loads = await Promise.all(files.map((f) => this.#load(f)));
    for (const load of loads) if (load && load !== 'dir' && this.#absorb(load.load, load.stamp)) changed = true;
    if (changed) this.#sync();
    if (this.#started) await this.#watch();
  }

  #touch(file: string): void {
    if (this.#dirty !== 'all') this.#dirty.add(file);
    this.#rescan.trigger();
  }

  #touchAll(): void {
    this.#dirty = 'all';
    this.#rescan.trigger();
  }

  /**
   * What watch events asked for: only the files they named when that is all (one saved file costs one stat and one
   * read, not a stat of every file), else a full scan. The periodic re-scan is always full.
   */
  async #scanDirty(): Promise<void> {
    const dirty = this.#dirty;
    this.#dirty = new Set();
    if (dirty === 'all' || !this.#started) return this.scan();
    // One saved file is the common case: blocking reads of a small file cost microseconds, where each async step
    // waits for a thread-pool round trip (together most of a millisecond on a busy machine).
    const files = [...dirty];
    const loads = await Promise.all(files.map((f) => {
      const now = files.length <= SYNC_FILES ? this.#loadSync(f) : undefined;
      return now !== undefined ? now : this.#load(f);
    }));
    if (loads.includes('dir')) return this.scan(); // a directory named like a manifest: walk it
    const changed: string[] = [];
    for (const [i, load] of loads.entries()) {
      if (load === null || load === 'dir') continue;
      const file = files[i];
      if (load.load.text === null && !load.load.error) {
        if (!this.#files.delete(file)) continue;
        this.#opts.log.info({ file }, `${file}: file removed; its objects are gone`);
        changed.push(file);
      } else if (this.#absorb(load.load, load.stamp)) changed.push(file);
    }
    if (changed.length > 0) this.#syncFiles(changed);
  }

  /** Reads a file unless its stamp says it is unchanged (then null). Stat before read: a write during the read shows next time. */
  async #load(file: string): Promise<Loaded> {
    const info = await stat(file).catch(() => null);
    if (info?.isDirectory()) return 'dir';
    const plan = this.#plan(file, info);
    return plan && { load: await loadFile(file, plan.unless), stamp: plan.stamp };
  }

  /** #load with blocking reads; undefined for a file too large to read that way. */
  #loadSync(file: string): Loaded | undefined {
    let info: Stats | null;
    try {
      info = statSync(file, { throwIfNoEntry: false }) ?? null;
    } catch {
      info = null;
    }
    if (info?.isDirectory()) return 'dir';
    if (info !== null && info.size > SYNC_BYTES) return undefined;
    const plan = this.#plan(file, info);
    return plan && { load: loadFileSync(file, plan.unless), stamp: plan.stamp };
  }

  /** Null when the stamp says the file is unchanged; else the stamp to keep and the text that needs no parse. */
  #plan(file: string, info: Stats | null): { stamp: string | undefined; unless: string | null | undefined } | null {
    const stamp = info ? stampOf(info) : undefined;
    const prev = this.#files.get(file);
    if (stamp !== undefined && prev?.stamp === stamp) return null;
    const trusted = info && Date.now() - info.mtimeMs >= RACY_MS ? stamp : undefined;
    // A file read again only because its stamp is too young to trust usually holds the same text: skip the parse.
    return { stamp: trusted, unless: prev?.errorText === undefined ? prev?.text : undefined };
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

  /** Records what a read found; returns whether the objects to store may have changed. */
  #absorb(load: FileLoad, stamp: string | undefined): boolean {
    const prev = this.#files.get(load.file);
    if (prev && prev.text === load.text && load.text !== null) {
      prev.stamp = stamp;
      delete prev.emptySince; // it was a save in progress
      return false;
    }
    if (load.text === null && !load.error) {
      return prev !== undefined && this.#files.delete(load.file); // vanished between listing and reading
    }
    if (load.error) {
      const message = load.error.message;
      if (prev?.errorText !== message) {
        const line = 'line' in load.error ? load.error.line : undefined;
        const kept = prev && prev.good.length > 0 ? '; keeping its last good content' : '';
        this.#opts.log.error({ file: load.file, line }, `${message}${kept}`);
      }
      this.#files.set(load.file, { text: load.text, good: prev?.good ?? [], errorText: message, stamp });
      return false;
    }
    if (load.objects.length === 0 && prev && prev.good.length > 0) {
      const since = prev.emptySince ?? Date.now();
      if (Date.now() - since < EMPTY_CONFIRM_MS) {
        this.#files.set(load.file, { ...prev, stamp: undefined, emptySince: since });
        this.#scanAgainIn(EMPTY_CONFIRM_MS - (Date.now() - since));
        return false;
      }
    }
    if (prev?.errorText) this.#opts.log.info({ file: load.file }, `${load.file}: parses again; applying it`);
    this.#files.set(load.file, { text: load.text, good: load.objects, stamp });
    return true;
  }

  #scanAgainIn(ms: number): void {
    if (this.#confirmEmpty || this.#closed) return;
    this.#confirmEmpty = setTimeout(() => {
      this.#confirmEmpty = undefined;
      this.#touchAll();
    }, Math.max(ms, 0) + 1);
    this.#confirmEmpty.unref();
  }

  /**
   * Stores what only `changed` files hold now, when no object is defined twice (then the whole merge is not needed:
   * at thousands of objects it cost more than the rest of a one-file change). Falls back to #sync otherwise.
   */
  #syncFiles(changed: readonly string[]): void {
    if (this.#warnedDuplicates.size > 0) return this.#sync();
    const incoming = new Map<string, ParsedObject>();
    for (const file of changed) {
      for (const p of this.#files.get(file)?.good ?? []) {
        const id = objectId(p.object);
        const owner = this.#synced.get(id)?.file;
        if (incoming.has(id) || (owner !== undefined && !changed.includes(owner))) return this.#sync(); // a duplicate
        incoming.set(id, p);
      }
    }
    const { store } = this.#opts;
    let stored = false;
    for (const file of changed) {
      for (const id of this.#idsByFile.get(file) ?? []) {
        if (incoming.has(id)) continue;
        this.#synced.delete(id);
        if (store.deleteId(id)) stored = true;
      }
      this.#idsByFile.delete(file);
    }
    for (const [id, p] of incoming) {
      if (this.#synced.get(id) !== p && store.upsert(p.object, { file: p.file, line: p.line })) stored = true;
      this.#synced.set(id, p);
      const ids = this.#idsByFile.get(p.file);
      if (ids) ids.push(id);
      else this.#idsByFile.set(p.file, [id]);
    }
    if (stored) this.#opts.onChange();
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
    // A file that did not change keeps its parsed objects (same references): only the objects of changed files are
    // upserted, so one edited route costs one upsert, not one per object of every file.
    const synced = new Map<string, ParsedObject>();
    const idsByFile = new Map<string, string[]>();
    for (const p of objects) {
      const id = objectId(p.object);
      synced.set(id, p);
      const ids = idsByFile.get(p.file);
      if (ids) ids.push(id);
      else idsByFile.set(p.file, [id]);
      if (this.#synced.get(id) !== p && store.upsert(p.object, { file: p.file, line: p.line })) changed = true;
    }
    for (const id of this.#synced.keys()) {
      if (!synced.has(id) && store.deleteId(id)) changed = true;
    }
    this.#synced = synced;
    this.#idsByFile = idsByFile;
    if (changed) this.#opts.onChange();
  }

  /**
   * One non-recursive watcher per directory: Node's recursive watch on Linux stops reporting a file once it has been
   * replaced by a rename, which is how editors and most tools save. The set of directories is re-read on every scan,
   * so a new subdirectory is watched and a removed one released.
   */
  async #watch(): Promise<void> {
    if (this.#closed || this.#opts.watch === false) return;
    const wanted = new Map<string, string | null>(); // directory → the one `-f` file to react to, or null for all
    for (const p of this.#opts.paths) {
      const info = await stat(p).catch(() => null);
      // Files under a dot-directory are never read (listManifestFiles skips them), so their events are not wanted.
      if (info?.isDirectory()) {
        for (const d of await listDirectories(p)) if (!hidden(p, d)) wanted.set(d, null);
      } else if (!wanted.has(dirname(resolve(p)))) wanted.set(dirname(resolve(p)), p);
    }
    for (const [dir, w] of this.#watchers) {
      if (!wanted.has(dir)) {
        w.close();
        this.#watchers.delete(dir);
      }
    }
    let added = false;
    for (const [dir, only] of wanted) {
      if (this.#watchers.has(dir)) continue;
      try {
        const w = watch(dir, { persistent: false }, (_event, name) => {
          if (only !== null) {
            if (name === null || basename(String(name)) === basename(only)) this.#touch(only);
            return;
          }
          if (name === null) return this.#touchAll();
          const n = String(name);
          if (n.startsWith('.')) return; // editor swap files, .git: listManifestFiles skips them
          // Anything else may be a directory coming or going: list everything again.
          if (!MANIFEST_EXT.test(n)) return this.#touchAll();
          this.#touch(join(dir, n));
        });
        w.on('error', (err) => {
          this.#opts.log.warn({ path: dir }, `${dir}: watch stopped (${err.message}); falling back to periodic re-scan`);
          w.close();
          this.#watchers.delete(dir);
        });
        this.#watchers.set(dir, w);
        added = true;
      } catch (err) {
        this.#opts.log.warn({ path: dir }, `${dir}: cannot watch (${(err as Error).message}); relying on periodic re-scan`);
      }
    }
    // A file made in a new directory after the scan listed it and before its watcher started sent no event to
    // anyone: list again now that the watcher is there.
    if (added) this.#touchAll();
  }

  /** Waits until every change seen so far is in the store. */
  async settle(): Promise<void> {
    await this.#rescan.flush();
  }

  close(): void {
    this.#closed = true;
    this.#rescan.cancel();
    if (this.#poll) clearInterval(this.#poll);
    if (this.#confirmEmpty) clearTimeout(this.#confirmEmpty);
    for (const w of this.#watchers.values()) w.close();
    this.#watchers.clear();
  }

  #logError(err: unknown): void {
    this.#opts.log.error({ err }, `file source: re-scan failed: ${(err as Error)?.message ?? err}`);
  }
}

function hidden(root: string, dir: string): boolean {
  return relative(root, dir).split(sep).some((part) => part.startsWith('.'));
}

function stampOf(info: Stats): string {
  return `${info.size}|${info.mtimeMs}|${info.ctimeMs}|${info.ino}`;
}
