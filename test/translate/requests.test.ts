// Checks each <case>.requests.yaml against its .ir.yaml with a minimal reference matcher, so the expectations handed
// to the data-plane router test are themselves right. The real router is tested in test/dataplane.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse } from 'yaml';
import type * as ir from '../../src/ir/types.ts';
import { covers } from '../../src/translate/hostnames.ts';

const ROOT = join(import.meta.dirname, '..', 'golden', 'translate');

type Req = { port: number; host: string; method: string; path: string; headers?: Record<string, string> };
type Case = { request: Req; expect: { route: string | null } };

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.requests.yaml') ? [join(dir, e.name)] : []).sort();
}

function str(m: ir.StringMatch, v: string | undefined): boolean {
  if (v === undefined) return false;
  return m.type === 'Exact' ? v === m.value : new RegExp(`^(?:${m.value})$`).test(v);
}

function matches(m: ir.HttpMatch, req: Req): boolean {
  const [path, qs = ''] = req.path.split('?');
  const query = new URLSearchParams(qs);
  const p = m.path;
  if (p?.type === 'Exact' && path !== p.value) return false;
  if (p?.type === 'PathPrefix' && p.value !== '/' && path !== p.value && !path.startsWith(`${p.value}/`)) return false;
  if (p?.type === 'RegularExpression' && !new RegExp(`^(?:${p.value})$`).test(path)) return false;
  if (m.method && m.method !== req.method) return false;
  const headers = Object.fromEntries(Object.entries(req.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  return m.headers.every((h) => str(h, headers[h.name])) && m.query.every((q) => str(q, query.get(q.name) ?? undefined));
}

function route(configs: ir.ProxyConfig[], req: Req): string | null {
  const host = req.host.toLowerCase();
  for (const c of configs) {
    const l = c.listeners.find((x) => x.port === req.port);
    const lh = l?.hosts.find((h) => h.hostname === null || covers(h.hostname, host));
    const vh = lh?.virtualHosts.find((v) => covers(v.hostname, host));
    if (vh) return vh.routes.find((r) => matches(r.match, req))?.name ?? null;
  }
  return null;
}

for (const file of files(ROOT)) {
  test(`requests ${relative(ROOT, file)}`, () => {
    const irFile = file.replace(/\.requests\.yaml$/, '.ir.yaml');
    assert.ok(existsSync(irFile), `${irFile} is missing`);
    const configs = parse(readFileSync(irFile, 'utf8')) as ir.ProxyConfig[];
    for (const [i, c] of (parse(readFileSync(file, 'utf8')) as Case[]).entries()) {
      assert.equal(route(configs, c.request), c.expect.route, `${relative(ROOT, file)}[${i}] ${JSON.stringify(c.request)}`);
    }
  });
}
