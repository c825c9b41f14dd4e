import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rename, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileSource, type SourceLog } from '../../src/sources/file.ts';
import { SourceError } from '../../src/sources/files.ts';
import { ResourceStore } from '../../src/sources/store.ts';

const svc = (name: string, port = 80, extra = '') =>
  `apiVersion: v1\nkind: Service\nmetadata:\n  name: ${name}\n${extra}spec:\n  ports:\n    - port: ${port}\n`;

function recorder() {
  const lines: { level: string; msg: string; fields: object }[] = [];
  const log: SourceLog = {
    info: (fields, msg) => lines.push({ level: 'info', msg, fields }),
    warn: (fields, msg) => lines.push({ level: 'warn', msg, fields }),
    error: (fields, msg) => lines.push({ level: 'error', msg, fields }),
  };
  return { lines, log };
}

/** Polls until `check` passes or the bound is reached; watch events arrive when the OS delivers them. */
async function eventually(check: () => void, tries = 200): Promise<void> {
  for (let i = 0; ; i++) {
    try {
      return check();
    } catch (err) {
      if (i >= tries) throw err;
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}

async function setup(paths: (dir: string) => string[], options: { watch?: boolean } = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'portico-src-'));
  const store = new ResourceStore();
  const { lines, log } = recorder();
  let changes = 0;
  const make = () => new FileSource({ paths: paths(dir), store, log, onChange: () => changes++, pollMs: 0, ...options });
  return { dir, store, lines, make, changes: () => changes, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

test('reads a directory recursively, yaml/yml/json only, defaults the namespace', async (t) => {
  const s = await setup((d) => [d], { watch: false });
  t.after(s.cleanup);
  await mkdir(join(s.dir, 'sub'));
  await writeFile(join(s.dir, 'a.yaml'), svc('a'));
  await writeFile(join(s.dir, 'sub', 'b.yml'), svc('b'));
  await writeFile(join(s.dir, 'c.json'), JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'c', namespace: 'x' }, spec: {} }));
  await writeFile(join(s.dir, 'notes.txt'), 'not a manifest');
  const src = s.make();
  await src.start();
  assert.deepEqual(s.store.ids().sort(), ['Service/default/a', 'Service/default/b', 'Service/x/c']);
  assert.equal(s.store.get('Service/default/a')!.metadata.generation, 1);
  src.close();
});

test('a -f path that does not exist fails start with a SourceError naming it', async (t) => {
  const s = await setup((d) => [join(d, 'missing.yaml')]);
  t.after(s.cleanup);
  await assert.rejects(s.make().start(), (err: Error) => err instanceof SourceError && /missing\.yaml: no such file/.test(err.message));
});

test('watch picks up edits, new files and deletions', async (t) => {
  const s = await setup((d) => [d]);
  t.after(s.cleanup);
  await writeFile(join(s.dir, 'a.yaml'), svc('a'));
  const src = s.make();
  await src.start();
  t.after(() => src.close());
  assert.deepEqual(s.store.ids(), ['Service/default/a']);

  await writeFile(join(s.dir, 'a.yaml'), svc('a', 81));
  await eventually(() => assert.equal((s.store.get('Service/default/a') as any).spec.ports[0].port, 81));
  assert.equal(s.store.get('Service/default/a')!.metadata.generation, 2);

  await mkdir(join(s.dir, 'new'));
  await writeFile(join(s.dir, 'new', 'b.yaml'), svc('b'));
  await eventually(() => assert.ok(s.store.get('Service/default/b')));

  await rm(join(s.dir, 'a.yaml'));
  await eventually(() => assert.equal(s.store.get('Service/default/a'), undefined));
  assert.ok(s.changes() >= 3);
});

test('a named file replaced by rename (editor save) is picked up', async (t) => {
  const s = await setup((d) => [join(d, 'one.yaml')]);
  t.after(s.cleanup);
  await writeFile(join(s.dir, 'one.yaml'), svc('a'));
  const src = s.make();
  await src.start();
  t.after(() => src.close());
  await writeFile(join(s.dir, '.one.yaml.swp'), svc('a', 99));
  await rename(join(s.dir, '.one.yaml.swp'), join(s.dir, 'one.yaml'));
  await eventually(() => assert.equal((s.store.get('Service/default/a') as any).spec.ports[0].port, 99));
});

test('a parse error is logged with file:line and the last good content stays', async (t) => {
  const s = await setup((d) => [d]);
  t.after(s.cleanup);
  const file = join(s.dir, 'a.yaml');
  await writeFile(file, svc('a'));
  const src = s.make();
  await src.start();
  t.after(() => src.close());
  await writeFile(file, svc('a') + 'spec: [unclosed\n  - x: :\n');
  await eventually(() => assert.ok(s.lines.some((l) => l.level === 'error')));
  const err = s.lines.find((l) => l.level === 'error')!;
  assert.match(err.msg, new RegExp(`${file.replace(/[.]/g, '\\.')}:\\d+: `));
  assert.match(err.msg, /keeping its last good content/);
  assert.ok(s.store.get('Service/default/a'));
  assert.equal(src.errors().length, 1);
  await writeFile(file, svc('z'));
  await eventually(() => assert.ok(s.store.get('Service/default/z')));
  assert.equal(s.store.get('Service/default/a'), undefined);
  assert.equal(src.errors().length, 0);
});

test('duplicates: the first file by path wins, with a warning naming both', async (t) => {
  const s = await setup((d) => [d], { watch: false });
  t.after(s.cleanup);
  await writeFile(join(s.dir, 'b.yaml'), svc('x', 2));
  await writeFile(join(s.dir, 'a.yaml'), svc('x', 1));
  const src = s.make();
  await src.start();
  assert.equal((s.store.get('Service/default/x') as any).spec.ports[0].port, 1);
  const warn = s.lines.find((l) => l.level === 'warn')!;
  assert.match(warn.msg, /Service\/default\/x is defined twice: using .*a\.yaml:\d+, ignoring .*b\.yaml:\d+/);
  src.close();
});

test('generation given in the file is kept; creationTimestamp survives reloads', async (t) => {
  const s = await setup((d) => [d], { watch: false });
  t.after(s.cleanup);
  const file = join(s.dir, 'a.yaml');
  await writeFile(file, svc('a', 80, '  generation: 4\n'));
  const src = s.make();
  await src.start();
  const created = s.store.get('Service/default/a')!.metadata.creationTimestamp;
  assert.equal(s.store.get('Service/default/a')!.metadata.generation, 4);
  await writeFile(file, svc('a', 81, '  generation: 4\n'));
  await src.scan();
  assert.equal(s.store.get('Service/default/a')!.metadata.generation, 4);
  assert.equal(s.store.get('Service/default/a')!.metadata.creationTimestamp, created);
  src.close();
});

/** Counts the store's upserts and deletes, to see whether a scan touched it at all. */
function spyOn(store: ResourceStore): { writes: () => number } {
  let writes = 0;
  const upsert = store.upsert.bind(store);
  const deleteId = store.deleteId.bind(store);
  store.upsert = (...args) => (writes++, upsert(...args));
  store.deleteId = (id) => (writes++, deleteId(id));
  return { writes: () => writes };
}

test('a re-scan that finds nothing changed leaves the store alone and triggers no rebuild', async (t) => {
  const s = await setup((d) => [d], { watch: false });
  t.after(s.cleanup);
  const old = new Date(Date.now() - 3_600_000); // older than any time-stamp granularity
  for (const name of ['a', 'b']) {
    await writeFile(join(s.dir, `${name}.yaml`), svc(name));
    await utimes(join(s.dir, `${name}.yaml`), old, old);
  }
  const src = s.make();
  await src.start();
  assert.equal(s.changes(), 1);
  const spy = spyOn(s.store);
  await src.scan();
  await src.scan();
  assert.equal(spy.writes(), 0);
  assert.equal(s.changes(), 1);

  await writeFile(join(s.dir, 'b.yaml'), svc('b', 81));
  await src.scan();
  assert.equal((s.store.get('Service/default/b') as any).spec.ports[0].port, 81);
  assert.equal(s.changes(), 2);
});

test('a file rewritten with the same size right after it was read is still picked up', async (t) => {
  const s = await setup((d) => [d], { watch: false });
  t.after(s.cleanup);
  const file = join(s.dir, 'a.yaml');
  await writeFile(file, svc('a', 80));
  const src = s.make();
  await src.start();
  // Same size, and likely the same time stamp tick: only the content tells the versions apart.
  await writeFile(file, svc('a', 81));
  await src.scan();
  assert.equal((s.store.get('Service/default/a') as any).spec.ports[0].port, 81);
});

test('a comment-only edit re-reads the file but triggers no rebuild', async (t) => {
  const s = await setup((d) => [d], { watch: false });
  t.after(s.cleanup);
  const file = join(s.dir, 'a.yaml');
  await writeFile(file, svc('a'));
  const src = s.make();
  await src.start();
  await writeFile(file, svc('a') + '# a comment\n');
  await src.scan();
  assert.equal(s.changes(), 1);
});

test('a file read empty in the middle of a save keeps its objects; one that stays empty loses them', async (t) => {
  const s = await setup((d) => [d], { watch: false });
  t.after(s.cleanup);
  const file = join(s.dir, 'a.yaml');
  await writeFile(file, svc('a', 80));
  const src = s.make();
  await src.start();
  t.after(() => src.close());
  await writeFile(file, ''); // what a reader sees between truncate and write
  await src.scan();
  assert.ok(s.store.get('Service/default/a'));
  await writeFile(file, svc('a', 81));
  await src.scan();
  const a = s.store.get('Service/default/a') as any;
  assert.equal(a.spec.ports[0].port, 81);
  assert.equal(a.metadata.generation, 2); // an edit, not a delete and re-create

  await writeFile(file, '');
  await src.scan();
  await eventually(() => assert.equal(s.store.get('Service/default/a'), undefined));
});

test('every save by rename-over is seen, in a subdirectory made after start too (no re-scan timer)', async (t) => {
  const s = await setup((d) => [d]);
  t.after(s.cleanup);
  await writeFile(join(s.dir, 'a.yaml'), svc('a', 80));
  const src = s.make();
  await src.start();
  t.after(() => src.close());
  // Node's recursive watch on Linux goes deaf to a file after its first rename-over; each save here is one.
  for (const port of [81, 82, 83, 84, 85, 86]) {
    await writeFile(join(s.dir, '.a.tmp'), svc('a', port));
    await rename(join(s.dir, '.a.tmp'), join(s.dir, 'a.yaml'));
    await eventually(() => assert.equal((s.store.get('Service/default/a') as any).spec.ports[0].port, port));
  }
  await mkdir(join(s.dir, 'later'));
  await eventually(async () => undefined); // let the directory event run its scan
  for (const port of [90, 91]) {
    await writeFile(join(s.dir, 'later', '.b.tmp'), svc('b', port));
    await rename(join(s.dir, 'later', '.b.tmp'), join(s.dir, 'later', 'b.yaml'));
    await eventually(() => assert.equal((s.store.get('Service/default/b') as any)?.spec.ports[0].port, port));
  }
});

test('watched changes of single files: a duplicate made later, the winner removed, objects moved between files', async (t) => {
  const s = await setup((d) => [d]);
  t.after(s.cleanup);
  await writeFile(join(s.dir, 'b.yaml'), svc('x', 2) + '---\n' + svc('y', 2));
  const src = s.make();
  await src.start();
  t.after(() => src.close());
  const port = (name: string) => (s.store.get(`Service/default/${name}`) as any)?.spec.ports[0].port;
  // a.yaml comes first by path: it takes x over from b.yaml, with a warning.
  await writeFile(join(s.dir, 'a.yaml'), svc('x', 1));
  await eventually(() => assert.equal(port('x'), 1));
  assert.ok(s.lines.some((l) => l.level === 'warn' && /Service\/default\/x is defined twice/.test(l.msg)));
  await rm(join(s.dir, 'a.yaml'));
  await eventually(() => assert.equal(port('x'), 2));
  // y moves from b.yaml to c.yaml, x stays: no object is lost on the way.
  await writeFile(join(s.dir, 'c.yaml'), svc('y', 3));
  await writeFile(join(s.dir, 'b.yaml'), svc('x', 2));
  await eventually(() => assert.equal(port('y'), 3));
  assert.equal(port('x'), 2);
  await rm(join(s.dir, 'c.yaml'));
  await eventually(() => assert.equal(port('y'), undefined));
  assert.deepEqual(s.store.ids().sort(), ['Service/default/x']);
});

test('files under a dot-directory are not read, even when they change after start', async (t) => {
  const s = await setup((d) => [d]);
  t.after(s.cleanup);
  await mkdir(join(s.dir, '.git'));
  await writeFile(join(s.dir, 'a.yaml'), svc('a'));
  const src = s.make();
  await src.start();
  t.after(() => src.close());
  await writeFile(join(s.dir, '.git', 'h.yaml'), svc('hidden'));
  await writeFile(join(s.dir, 'b.yaml'), svc('b'));
  await eventually(() => assert.ok(s.store.get('Service/default/b')));
  await src.scan();
  assert.equal(s.store.get('Service/default/hidden'), undefined);
});
