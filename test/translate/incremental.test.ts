// A Translator reuses work between snapshots; its results must be exactly what translate() gives from scratch.
// Every golden input is driven through a fixed sequence of edits (objects removed, put back, changed, routes
// copied) from a seeded generator, so every run makes the same edits; after each, both results are compared.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { KubeObject } from '../../src/api/meta.ts';
import { objectId } from '../../src/api/snapshot.ts';
import { parseManifests } from '../../src/sources/parse.ts';
import { ResourceStore } from '../../src/sources/store.ts';
import { assertSameAsFresh } from './same-as-fresh.ts';
import { translate, Translator } from '../../src/translate/index.ts';

const ROOT = join(import.meta.dirname, '..', 'golden', 'translate');
const STEPS = 16;

function cases(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? cases(join(dir, e.name)) : e.name.endsWith('.in.yaml') ? [join(dir, e.name)] : []).sort();
}

/** mulberry32: a small seeded generator, so the edits are the same on every run. */
function seeded(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Loose = Record<string, any>;

/** A changed copy of `o`: something translation reads, picked by `pick` among what this kind has. */
function changed(o: KubeObject, n: number, pick: (k: number) => number): KubeObject {
  const c = structuredClone(o) as Loose;
  const spec = c.spec as Loose | undefined;
  const edits: (() => void)[] = [() => { c.metadata.labels = { ...c.metadata.labels, edit: String(n) }; }];
  if (spec?.hostnames) edits.push(() => { spec.hostnames = pick(2) === 0 ? [...spec.hostnames, `e${n}.example.com`] : spec.hostnames.slice(1); });
  if (spec?.parentRefs?.length) edits.push(() => { spec.parentRefs[0].sectionName = pick(2) === 0 ? undefined : 'http'; });
  if (spec?.rules?.length) {
    edits.push(() => {
      const rule = spec.rules[pick(spec.rules.length)];
      if (rule.matches?.length) rule.matches[0].path = { type: pick(2) === 0 ? 'Exact' : 'PathPrefix', value: `/edit/${n}` };
      else rule.matches = [{ path: { type: 'PathPrefix', value: `/edit/${n}` } }];
    });
    edits.push(() => {
      const rule = spec.rules[pick(spec.rules.length)];
      if (rule.backendRefs?.length) rule.backendRefs[0].port = pick(2) === 0 ? 8080 : 80;
    });
    edits.push(() => { spec.rules = [...spec.rules].reverse(); });
  }
  if (spec?.listeners?.length) {
    edits.push(() => { spec.listeners[pick(spec.listeners.length)].hostname = pick(2) === 0 ? undefined : `*.e${n}.example.com`; });
    if (spec.listeners.length > 1) edits.push(() => { spec.listeners = spec.listeners.slice(1); });
  }
  if (spec?.ports?.length) edits.push(() => { spec.ports[0].port = pick(2) === 0 ? 8080 : 80; });
  if (o.kind === 'Namespace') edits.push(() => { c.metadata.labels = pick(2) === 0 ? {} : { ...c.metadata.labels, team: 'edit' }; });
  if (c.metadata.creationTimestamp) edits.push(() => { c.metadata.creationTimestamp = `2020-01-01T00:00:${String(n % 60).padStart(2, '0')}Z`; });
  edits[pick(edits.length)]!();
  return c as KubeObject;
}

const ROUTE_KINDS = new Set(['HTTPRoute', 'GRPCRoute', 'TLSRoute', 'TCPRoute', 'UDPRoute']);

for (const file of cases(ROOT)) {
  test(`incremental translation equals a full one through edits of ${relative(ROOT, file)}`, () => {
    const objects = parseManifests(readFileSync(file, 'utf8'), file).map((p) => p.object);
    let t = Date.parse('2025-01-01T00:00:00Z');
    const store = new ResourceStore({ now: () => new Date((t += 1000)) });
    for (const o of objects) store.upsert(o);
    const random = seeded(objects.length * 7919 + file.length);
    const pick = (k: number) => Math.floor(random() * k);
    const removed: KubeObject[] = [];
    const translator = new Translator();
    const check = (what: string) => assertSameAsFresh(translator, store, what);
    check('the first translation');
    for (let n = 0; n < STEPS; n++) {
      const live = store.objects();
      const routes = live.filter((o) => ROUTE_KINDS.has(o.kind));
      const op = pick(4);
      let what: string;
      if (op === 0 && live.length > 0) {
        const o = live[pick(live.length)]!;
        store.deleteId(objectId(o));
        removed.push(o);
        what = `removing ${objectId(o)}`;
      } else if (op === 1 && removed.length > 0) {
        const o = removed.splice(pick(removed.length), 1)[0]!;
        store.upsert(o);
        what = `putting back ${objectId(o)}`;
      } else if (op === 2 && routes.length > 0) {
        const o = structuredClone(routes[pick(routes.length)]!) as Loose;
        o.metadata = { ...o.metadata, name: `${o.metadata.name}-copy${n}`, creationTimestamp: undefined, generation: undefined };
        store.upsert(o as KubeObject);
        what = `adding ${objectId(o as KubeObject)}`;
      } else if (live.length > 0) {
        const o = changed(live[pick(live.length)]!, n, pick);
        store.upsert(o);
        what = `changing ${objectId(o)}`;
      } else continue;
      check(`step ${n}, ${what}`);
    }
  });
}

test('a route added among thousands is placed exactly where a full sort puts it', () => {
  const objects = parseManifests(readFileSync(join(ROOT, 'precedence', readdirSync(join(ROOT, 'precedence')).find((f) => f.endsWith('.in.yaml'))!), 'utf8'), 'x').map((p) => p.object);
  const gateway = objects.find((o) => o.kind === 'Gateway')!;
  const store = new ResourceStore({ now: () => new Date('2025-01-01T00:00:00Z') });
  for (const o of objects) store.upsert(o);
  const route = (i: number, path: string): KubeObject => ({
    apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute',
    metadata: { name: `bulk-${i}`, namespace: gateway.metadata.namespace, creationTimestamp: `2024-01-01T00:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}Z` },
    spec: { parentRefs: [{ name: gateway.metadata.name }], rules: [{ matches: [{ path: { type: i % 3 === 0 ? 'Exact' : 'PathPrefix', value: path } }] }] },
  } as KubeObject);
  for (let i = 0; i < 300; i++) store.upsert(route(i, `/p/${i % 17}/${i % 5}`));
  const translator = new Translator();
  translator.translate(store.snapshot());
  for (let i = 300; i < 320; i++) {
    store.upsert(route(i, `/p/${i % 13}`));
    if (i % 4 === 0) store.deleteId(`HTTPRoute/${gateway.metadata.namespace}/bulk-${i - 290}`);
    const snapshot = store.snapshot();
    assert.deepEqual([...translator.translate(snapshot).proxies.entries()], [...translate(snapshot).proxies.entries()], `after route ${i}`);
  }
});
