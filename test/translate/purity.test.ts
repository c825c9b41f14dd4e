import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseManifests } from '../../src/sources/parse.ts';
import { snapshotOf } from '../../src/api/snapshot.ts';
import { translate } from '../../src/translate/index.ts';
import { SUPPORTED_FEATURES, supportedFeatures } from '../../src/api/features.ts';

const input = join(import.meta.dirname, '..', 'golden', 'translate', 'backends', 'endpoints.in.yaml');

test('translate does not modify its input and returns equal results for the same snapshot', () => {
  const snapshot = snapshotOf(parseManifests(readFileSync(input, 'utf8'), input).map((p) => p.object));
  const before = JSON.stringify(snapshot);
  const a = translate(snapshot), b = translate(snapshot);
  assert.equal(JSON.stringify(snapshot), before);
  assert.deepEqual([...a.proxies.entries()], [...b.proxies.entries()]);
  assert.deepEqual(a.status, b.status);
});

test('results share no objects with the input, so callers may mutate them', () => {
  const snapshot = snapshotOf(parseManifests(readFileSync(input, 'utf8'), input).map((p) => p.object));
  const r = translate(snapshot);
  const route = r.status.find((s) => s.kind === 'HTTPRoute');
  assert.ok(route && route.kind === 'HTTPRoute');
  route.status.parents[0].parentRef.name = 'changed';
  assert.equal(snapshot.httpRoutes[0].spec.parentRefs?.[0].name, 'gw');
});

test('the claimed feature list is sorted, unique, and published as {name}', () => {
  const names = supportedFeatures().map((f) => f.name);
  assert.deepEqual(names, [...new Set(SUPPORTED_FEATURES)].sort());
  for (const n of names) assert.match(n, /^[A-Z][A-Za-z0-9]+$/, `${n} is not spelled like a Gateway API feature name`);
});
