import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { runExample } from '../support/examples.ts';
import { REPO } from '../support/portico-process.ts';

const ex = runExample('cross-namespace', 8085, { path: '/' });

test('cross-namespace: each team serves its own paths through the shared gateway', async () => {
  assert.equal(await ex.servedBy('/'), 'home');
  assert.equal(await ex.servedBy('/store'), 'store');
  assert.equal(await ex.servedBy('/store/cart'), 'store');
});

test('cross-namespace: the ReferenceGrant lets store-ns reach the catalog Service in catalog-ns', async () => {
  assert.equal(await ex.servedBy('/store/catalog/items'), 'catalog');
});

test('cross-namespace: a route from an unlabelled namespace is refused and serves nothing', async () => {
  for (let i = 0; i < 20; i++) assert.notEqual(await ex.servedBy('/store'), 'evil');
  const run = spawnSync(process.execPath, ['src/cli/main.ts', 'validate', '-f', 'examples/cross-namespace', '-o', 'json'], { cwd: REPO, encoding: 'utf8' });
  assert.equal(run.status, 1, 'validate exits 1 because one route is not accepted');
  const items = JSON.parse(run.stdout).items as any[];
  const takeover = items.find((i) => i.kind === 'HTTPRoute' && i.metadata.name === 'takeover');
  const accepted = takeover.status.parents[0].conditions.find((c: any) => c.type === 'Accepted');
  assert.equal(accepted.status, 'False');
  assert.equal(accepted.reason, 'NotAllowedByListeners');
  const store = items.find((i) => i.kind === 'HTTPRoute' && i.metadata.name === 'store');
  assert.ok(store.status.parents[0].conditions.every((c: any) => c.status === 'True'), JSON.stringify(store.status));
});
