// Multi-document YAML manifests → Kubernetes objects, with the file and line of each for messages.
// `metadata.generation` is left as the file gives it: the store manages it when absent.
import { isNode, LineCounter, parseAllDocuments, type Document } from 'yaml';
import type { KubeObject } from '../api/meta.ts';
import { checkObjectShape } from '../api/schema.ts';
import { loadDocuments } from './yaml-fast.ts';

/** Kinds that live outside namespaces; every other kind without a namespace goes to `default`. */
const CLUSTER_SCOPED = new Set(['GatewayClass', 'Namespace']);

export type ParsedObject = { object: KubeObject; file: string; line: number };

export class ManifestError extends Error {
  readonly file: string;
  readonly line: number;
  constructor(file: string, line: number, message: string) {
    super(`${file}:${line}: ${message}`);
    this.file = file;
    this.line = line;
  }
}

/**
 * Parses every document of a manifest file. Throws ManifestError at the first document that is not valid YAML or
 * not a Kubernetes object; the caller decides whether to keep the file's last good content.
 */
export function parseManifests(text: string, file: string): ParsedObject[] {
  return parseFast(text, file) ?? parseWithLines(text, file);
}

/** Thrown inside parseFast when a message needs the line of a field: only the `yaml` path knows it. */
const NEEDS_LINES = new Error('needs field lines');

/** The objects through js-yaml (yaml-fast.ts), or null when anything needs the `yaml` path: an error, a List. Exported for test/sources/yaml-fast.test.ts. */
export function parseFast(text: string, file: string): ParsedObject[] | null {
  const docs = loadDocuments(text);
  if (docs === null) return null;
  const out: ParsedObject[] = [];
  try {
    for (const { value, line } of docs) {
      if (value === null || value === undefined) continue;
      if (Array.isArray(value) || typeof value !== 'object' || (value as { kind?: unknown }).kind === 'List') return null;
      const lineOf = (path: readonly (string | number)[]) => {
        if (path.length > 0) throw NEEDS_LINES;
        return line;
      };
      out.push({ object: normalize(value, file, lineOf), file, line });
    }
  } catch {
    return null; // the same text through `yaml` throws the same error, with the line of the field
  }
  return out;
}

export function parseWithLines(text: string, file: string): ParsedObject[] {
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lines, prettyErrors: false });
  if (!Array.isArray(docs)) return []; // an empty stream
  const out: ParsedObject[] = [];
  for (const doc of docs) {
    const start = lines.linePos(doc.contents?.range[0] ?? doc.range[0]).line;
    if (doc.errors.length > 0) {
      const err = doc.errors[0];
      const line = lines.linePos(err.pos[0]).line;
      throw new ManifestError(file, line, `invalid YAML: ${err.message.split('\n')[0]}; fix the syntax and save again`);
    }
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue; // empty document between `---`
    if (Array.isArray(value) || typeof value !== 'object') {
      throw new ManifestError(file, start, 'expected a Kubernetes object (a mapping with apiVersion, kind and metadata)');
    }
    const isList = (value as { kind?: unknown }).kind === 'List';
    const items = isList ? (value as { items?: unknown[] }).items ?? [] : [value];
    for (const [i, item] of items.entries()) {
      const prefix = isList ? ['items', i] : [];
      const lineOf = (path: readonly (string | number)[]) => fieldLine(doc, lines, [...prefix, ...path]) ?? start;
      out.push({ object: normalize(item, file, lineOf), file, line: lineOf([]) });
    }
  }
  return out;
}

/** The line of the deepest node on `path` that exists, so a wrong field is reported where it is written. */
function fieldLine(doc: Document, lines: LineCounter, path: readonly (string | number)[]): number | undefined {
  for (let n = path.length; n >= 0; n--) {
    const node: unknown = doc.getIn(path.slice(0, n), true);
    if (isNode(node) && node.range) return lines.linePos(node.range[0]).line;
  }
  return undefined;
}

function normalize(value: unknown, file: string, lineOf: (path: readonly (string | number)[]) => number): KubeObject {
  const line = lineOf([]);
  const o = value as Partial<KubeObject>;
  if (typeof o !== 'object' || o === null) throw new ManifestError(file, line, 'expected a Kubernetes object');
  if (typeof o.apiVersion !== 'string' || o.apiVersion === '') {
    throw new ManifestError(file, line, 'object has no apiVersion; add e.g. `apiVersion: gateway.networking.k8s.io/v1`');
  }
  if (typeof o.kind !== 'string' || o.kind === '') throw new ManifestError(file, line, 'object has no kind; add e.g. `kind: HTTPRoute`');
  const meta = o.metadata;
  if (typeof meta !== 'object' || meta === null || typeof meta.name !== 'string' || meta.name === '') {
    throw new ManifestError(file, line, `${o.kind} has no metadata.name; every object needs a name`);
  }
  const metadata = { ...meta };
  if (CLUSTER_SCOPED.has(o.kind)) delete metadata.namespace;
  else metadata.namespace = metadata.namespace || 'default';
  // YAML may read an unquoted timestamp as a Date; Kubernetes stores it as an RFC 3339 string.
  const created: unknown = metadata.creationTimestamp;
  if (created instanceof Date) metadata.creationTimestamp = created.toISOString().replace('.000Z', 'Z');
  const object = { ...(o as KubeObject), metadata };
  const problem = checkObjectShape(object as unknown as Record<string, unknown>);
  if (problem) throw new ManifestError(file, lineOf(problem.path), problem.message);
  return object;
}
