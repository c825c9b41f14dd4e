// apply(): the IR is validated before any server is touched, an unchanged version reuses its compiled form, and
// caches (metrics series, said warnings) shrink with the configs.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Registry } from 'prom-client';
import { createDataPlane } from '../../src/dataplane/dataplane.ts';
import { startEcho, type Echo } from '../support/echo-server.ts';
import { request } from '../support/http-client.ts';
import { startPlane } from './fixture.ts';
import type * as ir from '../../src/ir/types.ts';
import { config, forwardTo, local, prefix, route, simpleListener } from './ir-builders.ts';

let a: Echo;
let b: Echo;
before(async () => {
  a = await startEcho({ name: 'a' });
  b = await startEcho({ name: 'b' });
});
after(async () => {
  await a.close();
  await b.close();
});

test('an invalid config is refused before any server is touched; the previous one keeps serving', async () => {
  const plane = await startPlane([config({ listeners: [simpleListener(0, [route('old')])], backends: { a: [local(a.port)] } })]);
  try {
    const broken = config({ listeners: [simpleListener(plane.port, [route('new', { action: forwardTo(['missing', 1]) })])], backends: {} });
    await assert.rejects(plane.dp.apply([broken]), /refused the configs[\s\S]*cluster missing is referenced but missing/);
    const res = await request(plane.port, '/');
    assert.equal(res.status, 200);
    assert.equal(res.json().name, 'a');
    assert.equal(plane.log.at(-1)?.route, 'old');
  } finally {
    await plane.close();
  }
});

test('the same version reuses the compiled config: round robin keeps its place; a new version starts afresh', async () => {
  const make = (version: string) =>
    config({ version, listeners: [simpleListener(0, [route('rr', { action: forwardTo(['ab', 1]) })])], backends: { ab: [local(a.port), local(b.port)] } });
  const plane = await startPlane([make('v1')]);
  const next = async () => (await request(plane.port, '/')).json().name;
  try {
    assert.equal(await next(), 'a');
    await plane.apply([make('v1')]);
    assert.equal(await next(), 'b', 'the round-robin position survived an apply of the same version');
    await plane.apply([make('v2')]);
    assert.equal(await next(), 'a');
    assert.equal(await next(), 'b');
  } finally {
    await plane.close();
  }
});

test('a cluster whose endpoints alone change keeps its compiled routes, and they go to the new endpoints', async () => {
  // The same route object throughout, as the translator and a proxy's pushes hand it over: only the cluster changes.
  const moving = route('moving', { action: forwardTo(['x', 1]) });
  const make = (port: number, endpoints: ir.Endpoint[]) => config({ listeners: [simpleListener(port, [moving])], backends: { x: endpoints } });
  const plane = await startPlane([make(0, [local(a.port)])]);
  const name = async () => (await request(plane.port, '/')).json().name as string;
  try {
    assert.equal(await name(), 'a');
    await plane.apply([make(plane.port, [local(b.port)])]);
    assert.deepEqual([await name(), await name()], ['b', 'b']);
    await plane.apply([make(plane.port, [])]);
    assert.equal((await request(plane.port, '/')).status, 503, 'no endpoints left');
    await plane.apply([make(plane.port, [local(a.port), local(b.port)])]);
    assert.deepEqual([await name(), await name()].sort(), ['a', 'b']);
    // Refused configs change nothing, endpoints included.
    await assert.rejects(plane.dp.apply([{ ...make(plane.port, [local(a.port)]), listeners: [simpleListener(plane.port, [route('bad', { action: forwardTo(['missing', 1]) })])] }]));
    assert.deepEqual([await name(), await name()].sort(), ['a', 'b']);
  } finally {
    await plane.close();
  }
});

test('metrics series of routes and gateways that are gone are removed', async () => {
  const registry = new Registry();
  const gw = (routeName: string) => config({ listeners: [simpleListener(0, [route(routeName, { path: prefix('/x') })])], backends: { a: [local(a.port)] } });
  const plane = await startPlane([gw('old')], { metricsRegistry: registry });
  try {
    await request(plane.port, '/x');
    await request(plane.port, '/nowhere');
    assert.match(await registry.metrics(), /route="old"/);
    await plane.apply([gw('new')]);
    const text = await registry.metrics();
    assert.doesNotMatch(text, /route="old"/);
    assert.match(text, /portico_http_requests_total\{gateway="default\/gw",listener="",route="",backend="",code_class="4xx"\} 1/);
    await plane.apply([]);
    assert.doesNotMatch(await registry.metrics(), /gateway="default\/gw"/);
  } finally {
    await plane.close();
  }
});

test('a warning is said once while it holds, and again if it comes back after going away', async () => {
  const warnings: string[] = [];
  const dp = createDataPlane({ warn: (m) => warnings.push(m) });
  const withLoopback = config({ listeners: [simpleListener(0, [route('r')])], backends: { a: [local(a.port)] } });
  const without = config({ listeners: [simpleListener(0, [route('r', { action: { type: 'DirectResponse', status: 204 } })])], backends: {} });
  try {
    await dp.apply([withLoopback]);
    await dp.apply([withLoopback]);
    assert.equal(warnings.length, 1, warnings.join('\n'));
    assert.match(warnings[0], /reaches this host/);
    await dp.apply([without]);
    await dp.apply([withLoopback]);
    assert.equal(warnings.length, 2, warnings.join('\n'));
  } finally {
    await dp.close(1000);
  }
});

test('an endpoint given as a name is never used, even where loopback is allowed', async () => {
  const plane = await startPlane([
    config({ listeners: [simpleListener(0, [route('r')])], backends: { a: [{ address: 'localhost', port: a.port }] } }),
  ]);
  try {
    const before = a.count();
    assert.equal((await request(plane.port, '/')).status, 503);
    assert.equal(a.count(), before);
    assert.ok(plane.warnings.some((w) => w.includes('not an IP address')), plane.warnings.join('\n'));
  } finally {
    await plane.close();
  }
});

test('config after config with the same route objects: a route added or removed in a large virtual host is served or gone, metrics follow', async () => {
  const registry = new Registry();
  const routes = Array.from({ length: 40 }, (_, i) => route(`r${i}`, { path: prefix(`/r/${i}`) }));
  const gw = (rs: ReturnType<typeof route>[]) => config({ listeners: [simpleListener(0, rs)], backends: { a: [local(a.port)] } });
  const plane = await startPlane([gw(routes)], { metricsRegistry: registry });
  try {
    assert.equal((await request(plane.port, '/r/5/x')).status, 200);
    assert.equal((await request(plane.port, '/new')).status, 404);
    const added = route('new', { path: prefix('/new') });
    await plane.apply([gw([...routes.slice(0, 20), added, ...routes.slice(20)])]);
    assert.equal((await request(plane.port, '/new')).status, 200);
    assert.match(await registry.metrics(), /route="r5"/, 'adding a route keeps the series of the others');
    await plane.apply([gw([...routes.slice(0, 5), ...routes.slice(6, 20), added, ...routes.slice(20)])]);
    assert.equal((await request(plane.port, '/r/5/x')).status, 404);
    assert.equal((await request(plane.port, '/r/6/x')).status, 200);
    const text = await registry.metrics();
    assert.doesNotMatch(text, /route="r5"/);
    assert.match(text, /route="new"/);
    await plane.apply([gw(routes.slice(10))]);
    assert.equal((await request(plane.port, '/new')).status, 404);
    assert.doesNotMatch(await registry.metrics(), /route="new"/);
  } finally {
    await plane.close();
  }
});

test('a config refused after earlier ones were applied gets the same problems as on a fresh data plane', async () => {
  const routes = Array.from({ length: 40 }, (_, i) => route(`r${i}`, { path: prefix(`/r/${i}`) }));
  const gw = (rs: ReturnType<typeof route>[], backends = { a: [local(a.port)] }) => config({ listeners: [simpleListener(0, rs)], backends });
  const plane = await startPlane([gw(routes)]);
  const fresh = createDataPlane({ allowLoopbackEndpoints: true, warn: () => {} });
  const refusal = (p: Promise<unknown>) => p.then(() => 'applied', (e: Error) => e.message);
  try {
    for (const bad of [
      gw([...routes.slice(0, 10), route('r30', { path: prefix('/again') }), ...routes.slice(10)]),
      gw([...routes.slice(0, 10), route('x', { path: prefix('no-slash') }), ...routes.slice(10)]),
      gw(routes, {} as { a: [] }),
    ]) {
      const message = await refusal(plane.dp.apply([bad]));
      assert.match(message, /refused the configs/);
      assert.equal(message, await refusal(fresh.apply([bad])));
      assert.equal((await request(plane.port, '/r/30/x')).status, 200, 'the previous config keeps serving');
    }
  } finally {
    await fresh.close(0);
    await plane.close();
  }
});
