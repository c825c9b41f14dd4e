import assert from 'node:assert/strict';
import { test } from 'node:test';
import { snapshotOf } from '../../src/api/snapshot.ts';
import { parseManifests } from '../../src/sources/parse.ts';
import { translate } from '../../src/translate/index.ts';
import { gatewayYaml, routesYaml, routeYaml, serviceYaml } from '../../bench/lib/manifests.ts';

test('generated manifests parse and every route is accepted with its backends resolved', () => {
  const text = gatewayYaml(18000) + serviceYaml('a', 18001) + serviceYaml('b', 18002) + routesYaml(50, ['a', 'b'])
    + routeYaml('split', '/split', [{ service: 'a', weight: 9 }, { service: 'b', weight: 1 }]);
  const result = translate(snapshotOf(parseManifests(text, 'generated.yaml').map((p) => p.object)));
  assert.equal(result.proxies.size, 1);
  type Cond = { type: string; status: string };
  const routes = result.status.filter((s) => s.kind === 'HTTPRoute');
  assert.equal(routes.length, 51);
  for (const r of routes) {
    const conds = (r.status as { parents: { conditions: Cond[] }[] }).parents[0].conditions;
    for (const type of ['Accepted', 'ResolvedRefs']) {
      assert.equal(conds.find((c) => c.type === type)?.status, 'True', `${r.name}: ${type}`);
    }
  }
});
