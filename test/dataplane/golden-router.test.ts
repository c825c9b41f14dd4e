// Second golden tier: every test/golden/translate/**/<case>.requests.yaml is run against the router compiled from
// <case>.ir.yaml, through the same select() the server uses. Entries look like
//   - request: {port: 80, host: example.com, method: GET, path: "/x?q=1", headers: {x-env: dev}, gateway?: ns/name}
//     expect: {route: <IR route name> | null}
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { compileRouter } from '../../src/dataplane/router.ts';
import type * as ir from '../../src/ir/types.ts';

const ROOT = join(import.meta.dirname, '..', 'golden', 'translate');

type Case = {
  request: { port: number; host: string; method?: string; path: string; headers?: Record<string, string>; gateway?: string };
  expect: { route: string | null };
};

function findRequestFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return findRequestFiles(path);
    return e.name.endsWith('.requests.yaml') ? [path] : [];
  });
}

const files = findRequestFiles(ROOT).sort();

test('golden router cases exist or the list is empty', () => {
  assert.ok(Array.isArray(files));
});

for (const file of files) {
  const name = relative(ROOT, file).replace(/\.requests\.yaml$/, '');
  const irFile = file.replace(/\.requests\.yaml$/, '.ir.yaml');
  test(`router golden: ${name}`, { skip: existsSync(irFile) ? false : `no ${relative(ROOT, irFile)} next to it yet` }, () => {
    const configs = (parse(readFileSync(irFile, 'utf8')) ?? []) as ir.ProxyConfig[];
    const cases = (parse(readFileSync(file, 'utf8')) ?? []) as Case[];
    assert.ok(Array.isArray(cases), `${file}: expected a YAML list of {request, expect} entries`);
    const routers = new Map<string, ReturnType<typeof compileRouter>>();
    cases.forEach((c, i) => {
      const where = `${file} entry ${i} (${JSON.stringify(c.request)})`;
      assert.ok(c.request && c.expect && 'route' in c.expect, `${where}: each entry needs request and expect.route`);
      const config = configs.find(
        (p) => (c.request.gateway === undefined || p.gateway === c.request.gateway) && p.listeners.some((l) => l.port === c.request.port),
      );
      assert.ok(config, `${where}: no ProxyConfig in ${irFile} has a listener on port ${c.request.port}`);
      const key = `${config.gateway}|${c.request.port}`;
      let router = routers.get(key);
      if (router === undefined) {
        router = compileRouter(config.listeners.find((l) => l.port === c.request.port)!);
        assert.deepEqual(router.problems, [], `${irFile}: router compile problems`);
        routers.set(key, router);
      }
      const selected = router.select({
        host: c.request.host,
        method: c.request.method ?? 'GET',
        path: c.request.path,
        headers: Object.fromEntries(Object.entries(c.request.headers ?? {}).map(([k, v]) => [k, String(v)])),
      });
      assert.equal(selected?.route.name ?? null, c.expect.route, where);
    });
  });
}
