// Golden translator cases: every test/golden/translate/<area>/<case>.in.yaml against its .ir.yaml and .status.yaml.
// PORTICO_UPDATE_GOLDEN=1 writes the outputs; otherwise any difference or missing file fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseManifests } from '../../src/sources/parse.ts';
import { SNAPSHOT_FIELDS, snapshotOf, type ResourceSnapshot } from '../../src/api/snapshot.ts';
import type { KubeObject } from '../../src/api/meta.ts';
import { translate } from '../../src/translate/index.ts';
import { serializeProxies, serializeStatus } from '../../src/ir/serialize.ts';
import { validateProxyConfig } from '../../src/ir/validate.ts';

const ROOT = join(import.meta.dirname, '..', 'golden', 'translate');
const UPDATE = process.env.PORTICO_UPDATE_GOLDEN === '1';

function cases(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? cases(join(dir, e.name)) : e.name.endsWith('.in.yaml') ? [join(dir, e.name)] : []).sort();
}

function render(snapshot: ResourceSnapshot): { ir: string; status: string } {
  const r = translate(snapshot);
  return { ir: serializeProxies(r.proxies), status: serializeStatus(r.status) };
}

/** A fixed permutation (reversed, then rotated by a third): order must not matter, and no randomness in tests. */
function permute<T>(xs: readonly T[]): T[] {
  const rev = [...xs].reverse();
  const k = Math.floor(rev.length / 3);
  return [...rev.slice(k), ...rev.slice(0, k)];
}

/** A snapshot whose lists are in the permuted order, bypassing snapshotOf's sorting, so translate sorts for itself. */
function unsortedSnapshot(objects: readonly KubeObject[]): ResourceSnapshot {
  const out: Record<string, KubeObject[]> = {};
  for (const field of Object.values(SNAPSHOT_FIELDS)) out[field] = [];
  for (const o of permute(objects)) out[(SNAPSHOT_FIELDS as Record<string, string>)[o.kind]]?.push(o);
  return out as unknown as ResourceSnapshot;
}

function compare(file: string, actual: string): void {
  const name = relative(process.cwd(), file);
  if (UPDATE) {
    writeFileSync(file, actual);
    return;
  }
  if (!existsSync(file)) assert.fail(`${name} is missing; run PORTICO_UPDATE_GOLDEN=1 npm test, then read it before committing`);
  assert.equal(actual, readFileSync(file, 'utf8'), `${name} differs from translate() output (PORTICO_UPDATE_GOLDEN=1 rewrites it)`);
}

function conditionsOf(value: unknown, path: string, out: { path: string; c: Record<string, unknown> }[] = []) {
  if (Array.isArray(value)) value.forEach((v, i) => conditionsOf(v, `${path}[${i}]`, out));
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'conditions' && Array.isArray(v)) v.forEach((c, i) => out.push({ path: `${path}.conditions[${i}]`, c }));
      else conditionsOf(v, `${path}.${k}`, out);
    }
  }
  return out;
}

for (const input of cases(ROOT)) {
  const base = input.slice(0, -'.in.yaml'.length);
  test(`golden ${relative(ROOT, base)}`, () => {
    const objects = parseManifests(readFileSync(input, 'utf8'), input).map((p) => p.object);
    const result = translate(snapshotOf(objects));
    const out = { ir: serializeProxies(result.proxies), status: serializeStatus(result.status) };
    compare(`${base}.ir.yaml`, out.ir);
    compare(`${base}.status.yaml`, out.status);

    for (const config of result.proxies.values()) assert.deepEqual(validateProxyConfig(config), [], `IR of ${config.gateway} is invalid`);
    assert.deepEqual(render(snapshotOf(permute(objects))), out, 'translating the shuffled input gave different output');
    assert.deepEqual(render(unsortedSnapshot(objects)), out, 'translating an unsorted snapshot gave different output');
    for (const { path, c } of conditionsOf(result.status, 'status')) {
      assert.ok(typeof c.reason === 'string' && c.reason !== '', `${path} has no reason`);
      assert.ok(typeof c.message === 'string' && c.message !== '', `${path} has no message`);
      assert.ok(!('lastTransitionTime' in c), `${path} has lastTransitionTime; translate has no clock`);
    }
  });
}
