import { test } from 'node:test';
import assert from 'node:assert/strict';
import type * as ir from '../../src/ir/types.ts';
import { compileMatch, type RequestView } from '../../src/dataplane/match.ts';
import { compileRouteIndex } from '../../src/dataplane/route-index.ts';

// A fixed linear congruential sequence: varied cases, the same every run.
function sequence(seed: number) {
  let x = seed;
  return (n: number) => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return x % n;
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
    const name = `r${i}`;
    return { name, route: { match }, matches: compileMatch(name, match, []) };
  });
}

test('the route index picks exactly what trying every route in order picks', () => {
  const pick = sequence(7);
  for (const count of [5, 17, 200]) {
    const routes = makeRoutes(count, pick);
    const first = compileRouteIndex(routes);
    for (let i = 0; i < 500; i++) {
      const path = '/' + Array.from({ length: pick(5) }, () => SEGMENTS[pick(SEGMENTS.length)]).join('/') + (pick(5) === 0 ? '/' : '');
      const view: RequestView = { method: pick(2) ? 'GET' : 'POST', path, rawQuery: '', headers: {} };
      const linear = routes.find((r) => r.matches(view));
      assert.equal(first(view)?.name, linear?.name, `${count} routes, ${view.method} ${path}`);
    }
  }
});
