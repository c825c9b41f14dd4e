import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { backendYaml, gatewayYaml, portico, routeYaml, tempDir } from './fixtures.ts';

test('validate: a good config exits 0 and prints one line per object, listener and parent', async (t) => {
  const dir = await tempDir({ 'gw.yaml': gatewayYaml(18999), 'svc.yaml': backendYaml('web', 18998), 'route.yaml': routeYaml('web') });
  t.after(() => rm(dir, { recursive: true, force: true }));
  const r = await portico(['validate', '-f', dir]);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  assert.match(r.stdout, /^Gateway default\/gw\s+Accepted=True/m);
  assert.match(r.stdout, /^ {2}listener http\s+attachedRoutes=1/m);
  assert.match(r.stdout, /^HTTPRoute default\/r\n {2}parent Gateway default\/gw\s+Accepted=True\s+ResolvedRefs=True/m);
  assert.match(r.stdout, /all accepted, all references resolved/);
});

test('validate: an unresolved backend exits 1 and says which and why', async (t) => {
  const dir = await tempDir({ 'gw.yaml': gatewayYaml(18999), 'route.yaml': routeYaml('missing') });
  t.after(() => rm(dir, { recursive: true, force: true }));
  const r = await portico(['validate', '-f', dir]);
  assert.equal(r.code, 1, r.stderr + r.stdout);
  assert.match(r.stdout, /HTTPRoute default\/r parent gw: ResolvedRefs=False \(BackendNotFound\)/);
});

test('validate: a parse error exits 2 naming file and line', async (t) => {
  const dir = await tempDir({ 'gw.yaml': gatewayYaml(18999), 'bad.yaml': 'kind: Service\nmetadata: {name: x\n' });
  t.after(() => rm(dir, { recursive: true, force: true }));
  const r = await portico(['validate', '-f', dir]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, new RegExp(`${join(dir, 'bad.yaml').replace(/[.]/g, '\\.')}:\\d+: `));
});

test('validate: a missing path exits 2 naming it', async () => {
  const r = await portico(['validate', '-f', '/nonexistent/portico.yaml']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /\/nonexistent\/portico\.yaml: no such file or directory/);
});

test('validate: -o json and -o yaml give the same {items} as GET /status', async (t) => {
  const dir = await tempDir({ 'gw.yaml': gatewayYaml(18999), 'svc.yaml': backendYaml('web', 18998), 'route.yaml': routeYaml('web') });
  t.after(() => rm(dir, { recursive: true, force: true }));
  const j = await portico(['validate', '-f', dir, '-o', 'json']);
  const y = await portico(['validate', '-f', dir, '-o', 'yaml']);
  assert.equal(j.code, 0);
  assert.equal(y.code, 0);
  const fromJson = JSON.parse(j.stdout);
  const fromYaml = parse(y.stdout);
  const shape = (doc: any) => doc.items.map((i: any) => [i.kind, i.metadata]);
  assert.deepEqual(shape(fromJson), shape(fromYaml));
  const cls = fromJson.items.find((i: any) => i.kind === 'GatewayClass');
  assert.deepEqual(cls.metadata, { name: 'portico', generation: 1 });
  const gw = fromJson.items.find((i: any) => i.kind === 'Gateway');
  assert.deepEqual(gw.metadata, { namespace: 'default', name: 'gw', generation: 1 });
  assert.match(gw.status.conditions[0].lastTransitionTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
});

test('usage errors exit 2 with what to type; help and version exit 0', async () => {
  const unknown = await portico(['validate', '-f', 'x', '--nope']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /--nope.*portico validate --help/);
  const noFiles = await portico(['run']);
  assert.equal(noFiles.code, 2);
  assert.match(noFiles.stderr, /add -f PATH/);
  const badCmd = await portico(['serve']);
  assert.equal(badCmd.code, 2);
  assert.match(badCmd.stderr, /run, validate and controller/);
  const badFormat = await portico(['validate', '-f', 'x', '-o', 'xml']);
  assert.equal(badFormat.code, 2);
  const help = await portico(['run', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /--gateway-address-pool/);
  assert.equal((await portico(['--help'])).code, 0);
  const v = await portico(['--version']);
  assert.equal(v.code, 0);
  assert.match(v.stdout, /^portico \d+\.\d+\.\d+/);
});
