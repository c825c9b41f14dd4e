// Which files `-f` names, and reading them once: shared by the watched file source and `portico validate`.
import { readFileSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { objectId } from '../api/snapshot.ts';
import { ManifestError, parseManifests, type ParsedObject } from './parse.ts';

/** What a directory's manifests are named; other files in it are not read. */
export const MANIFEST_EXT = /\.(ya?ml|json)$/i;

/** A `-f` path that cannot be read at all (as opposed to a file that does not parse). */
export class SourceError extends Error {
  readonly path: string;
  constructor(path: string, message: string) {
    super(`${path}: ${message}`);
    this.path = path;
  }
}

/**
 * The manifest files under each path: a file as given, a directory's `*.yaml`/`*.yml`/`*.json` recursively.
 * Sorted by path and de-duplicated, so "first by path" is well defined across the whole set.
 */
export async function listManifestFiles(paths: readonly string[]): Promise<string[]> {
  const out = new Set<string>();
  for (const p of paths) {
    let info;
    try {
      info = await stat(p);
    } catch (err) {
      throw new SourceError(p, `${describe(err)}; check the path given to -f`);
    }
    if (info.isDirectory()) for (const f of await walk(p)) out.add(f);
    else out.add(p);
  }
  return [...out].sort();
}

/** A directory and every directory below it, for watching. */
export async function listDirectories(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  return [dir, ...entries.filter((e) => e.isDirectory()).map((e) => join(e.parentPath, e.name))].sort();
}

async function walk(dir: string): Promise<string[]> {
  const found: string[] = [];
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    // A subdirectory removed while we list it is not an error: it simply holds nothing now.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return found;
    throw new SourceError(dir, `${describe(err)}; check the directory's permissions`);
  }
  for (const e of entries) {
    if (e.name.startsWith('.')) continue; // editor swap files, .git
    const full = join(dir, e.name);
    if (e.isDirectory()) found.push(...(await walk(full)));
    else if ((e.isFile() || e.isSymbolicLink()) && MANIFEST_EXT.test(e.name)) found.push(full);
  }
  return found;
}

export type FileLoad = { file: string; text: string | null; objects: ParsedObject[]; error?: ManifestError | SourceError };

/**
 * Reads and parses one file; a file that vanished reads as `text: null`. Never throws. `unless` is the text last
 * read: when the file still holds exactly that, it is not parsed again (`objects` is then empty and unused).
 */
export async function loadFile(file: string, unless?: string | null): Promise<FileLoad & { same?: boolean }> {
  try {
    return fromText(file, await readFile(file, 'utf8'), unless);
  } catch (err) {
    return readFailed(file, err);
  }
}

/** loadFile with blocking reads, for the one or two small files a watch event names (see FileSource#scanDirty). */
export function loadFileSync(file: string, unless?: string | null): FileLoad & { same?: boolean } {
  try {
    return fromText(file, readFileSync(file, 'utf8'), unless);
  } catch (err) {
    return readFailed(file, err);
  }
}

function fromText(file: string, text: string, unless: string | null | undefined): FileLoad & { same?: boolean } {
  if (unless !== undefined && unless !== null && text === unless) return { file, text, objects: [], same: true };
  return parseText(file, text);
}

function readFailed(file: string, err: unknown): FileLoad {
  if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { file, text: null, objects: [] };
  return { file, text: null, objects: [], error: new SourceError(file, `${describe(err)}; check the file's permissions`) };
}

export function parseText(file: string, text: string): FileLoad {
  try {
    return { file, text, objects: parseManifests(text, file) };
  } catch (err) {
    if (err instanceof ManifestError) return { file, text, objects: [], error: err };
    return { file, text, objects: [], error: new ManifestError(file, 1, String((err as Error)?.message ?? err)) };
  }
}

export type Duplicate = { id: string; kept: string; ignored: string };

/** Merges the objects of several files: the first file by path wins a duplicate `Kind/namespace/name`. */
export function mergeFiles(loads: readonly { file: string; objects: readonly ParsedObject[] }[]): {
  objects: ParsedObject[];
  duplicates: Duplicate[];
} {
  const byId = new Map<string, ParsedObject>();
  const duplicates: Duplicate[] = [];
  for (const load of [...loads].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0))) {
    for (const p of load.objects) {
      const id = objectId(p.object);
      const first = byId.get(id);
      if (first) duplicates.push({ id, kept: `${first.file}:${first.line}`, ignored: `${p.file}:${p.line}` });
      else byId.set(id, p);
    }
  }
  return { objects: [...byId.values()], duplicates };
}

function describe(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e?.code === 'ENOENT') return 'no such file or directory';
  if (e?.code === 'EACCES') return 'permission denied';
  return e?.message ?? String(err);
}
