import { test } from 'node:test';
import assert from 'node:assert/strict';
import type * as ir from '../../src/ir/types.ts';
import { compileMatch, type RequestView } from '../../src/dataplane/match.ts';
import { compileRouteIndex, updateRouteIndex, type RouteIndex } from '../../src/dataplane/route-index.ts';

// A fixed linear congruential sequence: varied cases, the same every run.
function sequence(seed: number) {
  let x = seed;
  return (n: number) => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return (x >>> 16) % n;
  };
}

const SEGMENTS = ['a', 'b', 'api', 'v1', 'x'];

function makeRoutes(count: number, pick: (n: number) => number) {
  const path = () => '/' + Array.from({ length: 1 + pick(3) }, () => SEGMENTS[pick(SEGMENTS.length)]).join('/');
  return Array.from({ length: count }, (_, i) => {
    const kind = pick(6);
    const match: ir.HttpMatch = { headers: [], query: [] };
    if (kind === 0) match.path = { type: 'Exact', value: path() };
    else if (kind === 1 || kind === 2) match.path = { type: 'PathPrefix', value: path() + (pick(4) === 0 ? '/' : '') };
    else if (kind === 3) match.path = { type: 'RegularExpression', value: '/a/.*' };
    else if (kind === 4) match.path = { type: 'PathPrefix', value: '/' };
    if (pick(3) === 0) match.method = pick(2) ? 'GET' : 'POST';
    const name = `r${i}-${pick(1_000_000)}`;
    return { name, route: { match }, matches: compileMatch(name, match, []) };
  });
}

test('the route index picks exactly what trying every route in order picks', () => {
  const pick = sequence(7);
  for (const count of [5, 17, 200]) {
    const routes = makeRoutes(count, pick);
    const index = compileRouteIndex(routes);
    for (let i = 0; i < 500; i++) {
      const path = '/' + Array.from({ length: pick(5) }, () => SEGMENTS[pick(SEGMENTS.length)]).join('/') + (pick(5) === 0 ? '/' : '');
      const view: RequestView = { method: pick(2) ? 'GET' : 'POST', path, rawQuery: '', headers: {} };
      const linear = routes.find((r) => r.matches(view));
      assert.equal(index.first(view)?.name, linear?.name, `${count} routes, ${view.method} ${path}`);
    }
  }
});

function randomView(pick: (n: number) => number): RequestView {
  const path = '/' + Array.from({ length: pick(5) }, () => SEGMENTS[pick(SEGMENTS.length)]).join('/') + (pick(5) === 0 ? '/' : '');
  return { method: pick(2) ? 'GET' : 'POST', path, rawQuery: '', headers: {} };
}

test('an index updated route by route picks what a fresh index of the same routes picks, and the old one is unchanged', () => {
  const pick = sequence(11);
  const views = Array.from({ length: 300 }, () => randomView(pick));
  type R = ReturnType<typeof makeRoutes>[number];
  const answers = (index: RouteIndex<R>) => views.map((v) => index.first(v)?.name);
  let index = compileRouteIndex(makeRoutes(60, pick));
  // Insertions at one spot many times over exhaust the gap between two ranks: the index then renumbers itself.
  for (let step = 0; step < 120; step++) {
    const before = answers(index);
    const at = step % 3 === 0 ? 30 : pick(index.routes.length + 1);
    const removed = step % 3 === 0 ? 0 : Math.min(pick(3), index.routes.length - at);
    const inserted = makeRoutes(pick(4), pick);
    const next = updateRouteIndex(index, at, removed, inserted);
    const expected = index.routes.slice(0, at).concat(inserted, index.routes.slice(at + removed));
    assert.deepEqual(next.routes.map((r) => r.name), expected.map((r) => r.name), `step ${step}: routes`);
    assert.deepEqual(answers(next), answers(compileRouteIndex(expected)), `step ${step}: ${at} -${removed} +${inserted.length}`);
    assert.deepEqual(answers(index), before, `step ${step}: the index updated from is unchanged`);
    index = next;
  }
});

test('an index shrinking below the linear limit and growing again still picks what a fresh one picks', () => {
  const pick = sequence(3);
  const views = Array.from({ length: 200 }, () => randomView(pick));
  let index = compileRouteIndex(makeRoutes(20, pick));
  for (const [at, removed, add] of [[0, 15, 0], [2, 0, 30], [10, 20, 1], [0, 0, 5]] as const) {
    const inserted = makeRoutes(add, pick);
    const expected = index.routes.slice(0, at).concat(inserted, index.routes.slice(at + removed));
    index = updateRouteIndex(index, at, removed, inserted);
    const fresh = compileRouteIndex(expected);
    assert.deepEqual(views.map((v) => index.first(v)?.name), views.map((v) => fresh.first(v)?.name));
  }
});

test('routes inserted again and again at one spot run out of ranks between their neighbours: the index renumbers, same answers', () => {
  const pick = sequence(5);
  const views = Array.from({ length: 200 }, () => randomView(pick));
  let index = compileRouteIndex(makeRoutes(40, pick));
  // Each new route goes before the one inserted last: the distance between ranks halves every time.
  for (let step = 0; step < 40; step++) {
    const inserted = makeRoutes(1, pick);
    const expected = index.routes.slice(0, 20).concat(inserted, index.routes.slice(20));
    index = updateRouteIndex(index, 20, 0, inserted);
    const fresh = compileRouteIndex(expected);
    assert.deepEqual(views.map((v) => index.first(v)?.name), views.map((v) => fresh.first(v)?.name), `step ${step}`);
  }
});
