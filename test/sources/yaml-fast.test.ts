import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'node:test';
import { parseAllDocuments } from 'yaml';
import { parseFast, parseManifests, parseWithLines, type ParsedObject } from '../../src/sources/parse.ts';
import { loadDocuments } from '../../src/sources/yaml-fast.ts';

const ROOT = new URL('../../', import.meta.url).pathname;

/** What the `yaml` library makes of `text`, or null when it reports an error. */
function viaYaml(text: string): unknown[] | null {
  const docs = parseAllDocuments(text);
  const list = Array.isArray(docs) ? docs : [];
  if (list.some((d) => d.errors.length > 0)) return null;
  return list.map((d) => d.toJS());
}

test('scalars resolve as the yaml library resolves them (YAML 1.2 core schema)', () => {
  const scalars = ['1', '-0', '+12', '0755', '09', '0o17', '0x1F', '0b101', '1_000', '1e3', '1E3', '12e03', '.5', '+.5', '1.', '-.5e-3',
    '1.2.3', '.inf', '-.Inf', '+.INF', '.NaN', '.nan', 'true', 'True', 'TRUE', 'tRUE', 'yes', 'on', 'no', 'off', 'y', '~', 'null', 'Null',
    'NULL', '', '2001-12-14', '2001-12-14T21:59:43.10-05:00', '1:20', '1,000', "'3'", '"3"', '!!str 3', "!!int '3'", '!!float 1', 'a b',
    '"\\x41\\u00e9"', "'it''s'", '|\n  x\n  y\n', '>-\n  x\n  y\n', '[1, "2", c]', '{b: 1, c: [d]}', '&x 1'];
  for (const s of scalars) {
    const text = `a: ${s}\n`;
    const fast = loadDocuments(text);
    if (fast === null) continue; // js-yaml refused: parse.ts then uses yaml, nothing to compare
    assert.deepEqual(fast.map((d) => d.value), viaYaml(text), `a: ${s}`);
  }
});

test('what only yaml reads the same way goes to yaml: directives, collection keys', () => {
  assert.equal(loadDocuments('%YAML 1.1\n---\na: yes\n'), null);
  assert.equal(loadDocuments('a:\n  {b: 1}: x\n'), null);
  assert.equal(loadDocuments('a:\n  [b, c]: x\n'), null);
  assert.equal(loadDocuments('a: [b\n'), null);
  assert.equal(loadDocuments('a: 1\na: 2\n'), null);
});

test('each document carries the line its content starts on, as yaml reports it', () => {
  const text = '# head\n---\n# c\napiVersion: v1\nkind: A\nmetadata: {name: a}\n---\n\n---\nkind: B\napiVersion: v1\nmetadata:\n  name: b\n';
  const fast = parseFast(text, 'x.yaml');
  assert.ok(fast);
  assert.deepEqual(fast.map((p) => p.line), [4, 10]);
  assert.deepEqual(fast, parseWithLines(text, 'x.yaml'));
});

test('an object with a problem is reported with the line of the field, as before', () => {
  const text = 'apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata:\n  name: r\nspec:\n  parentRefs: 7\n';
  assert.equal(parseFast(text, 'r.yaml'), null);
  assert.throws(() => parseManifests(text, 'r.yaml'), (err: Error) => {
    assert.throws(() => parseWithLines(text, 'r.yaml'), (slow: Error) => slow.message === err.message);
    return /^r\.yaml:6: /.test(err.message);
  });
});

test('every manifest in this repository reads the same through js-yaml as through yaml', () => {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.name === 'node_modules' || e.name.startsWith('.')) continue;
      const full = join(dir, e.name);
      if (e.isDirectory()) walk(full);
      else if (/\.ya?ml$/.test(e.name)) files.push(full);
    }
  };
  for (const d of ['examples', 'test', 'deploy', 'charts', 'conformance']) {
    try { walk(join(ROOT, d)); } catch { /* a folder this checkout does not have */ }
  }
  assert.ok(files.length > 50, `found only ${files.length} manifests`);
  let compared = 0, accepted = 0;
  for (const f of files) {
    const text = readFileSync(f, 'utf8');
    let slow: ParsedObject[];
    try {
      slow = parseWithLines(text, f);
    } catch {
      continue; // a fixture of a bad manifest, or YAML that is not a manifest (Helm templates, kwok stages)
    }
    accepted++;
    const fast = parseFast(text, f);
    if (fast === null) continue;
    assert.deepEqual(fast, slow, f);
    compared++;
  }
  // Lists, tags and directives go the yaml way; anything else that reads well must read well the fast way too.
  assert.ok(accepted > 50 && compared >= accepted * 0.9, `${compared} of ${accepted} manifests went the fast way`);
});
