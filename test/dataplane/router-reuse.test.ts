// A router compiled with reuse (kept compiled routes, virtual hosts and listener hosts) must select exactly what a
// fresh compile selects, through a sequence of configs that keep, add, remove, reorder and move IR routes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileRouter, newHostReuse, type RouteReuse, type Router } from '../../src/dataplane/router.ts';
import type * as ir from '../../src/ir/types.ts';
import { roundRobin } from '../../src/dataplane/balancer.ts';
import type { RuntimeCluster } from '../../src/dataplane/upstream.ts';
import { exact, forwardTo, lhost, prefix, regex, route, vhost } from './ir-builders.ts';

const requests = [
  ['a.example.com', '/'], ['a.example.com', '/r/1'], ['a.example.com', '/r/1/x'], ['a.example.com', '/r/20'], ['a.example.com', '/e/3'],
  ['b.example.com', '/r/2'], ['b.example.com', '/new'], ['c.other.org', '/r/5'], ['c.other.org', '/e/7'], ['x.example.com', '/r/30'],
] as const;

function selections(router: Router): (string | null)[] {
  return requests.map(([host, path]) => {
    const s = router.select({ host, method: 'GET', path });
    return s === null ? null : `${s.listener} ${s.virtualHost} ${s.route.name}`;
  });
}

function listener(hosts: ir.ListenerHost[]): ir.HttpListener {
  return { protocol: 'HTTP', port: 80, hosts };
}

test('a router reusing earlier compiles selects what a fresh compile selects, config after config', () => {
  // Enough routes that a virtual host is indexed (not tried in order), each kept as the same object across configs.
  const routes = Array.from({ length: 40 }, (_, i) => route(`r${i}`, { path: i % 4 === 0 ? exact(`/e/${i}`) : prefix(`/r/${i}`) }));
  const extra = route('new', { path: prefix('/new') });
  const catchAll = route('all');
  const steps: ir.HttpListener[] = [
    listener([lhost('wild', '*.example.com', [vhost('a.example.com', routes.slice(0, 30)), vhost('*.example.com', routes.slice(10, 40))]), lhost('any', null, [vhost('*', routes)])]),
    // Same routes, same order: every virtual host and listener host is reused.
    listener([lhost('wild', '*.example.com', [vhost('a.example.com', routes.slice(0, 30)), vhost('*.example.com', routes.slice(10, 40))]), lhost('any', null, [vhost('*', routes)])]),
    // One route added in the middle of a virtual host.
    listener([lhost('wild', '*.example.com', [vhost('a.example.com', [...routes.slice(0, 15), extra, ...routes.slice(15, 30)]), vhost('*.example.com', routes.slice(10, 40))]), lhost('any', null, [vhost('*', routes)])]),
    // A route removed, the order of another host's routes reversed.
    listener([lhost('wild', '*.example.com', [vhost('a.example.com', routes.slice(1, 30)), vhost('*.example.com', routes.slice(10, 40).reverse())]), lhost('any', null, [vhost('*', routes)])]),
    // The same routes under a different virtual host name; a listener host renamed with the same virtual hosts.
    listener([lhost('wild', '*.example.com', [vhost('b.example.com', routes.slice(1, 30)), vhost('*.example.com', routes.slice(10, 40).reverse())]), lhost('other', null, [vhost('*', routes)])]),
    // Listener hosts swapped in order, a catch-all route first.
    listener([lhost('any', null, [vhost('*', [catchAll, ...routes])]), lhost('wild', '*.example.com', [vhost('a.example.com', routes.slice(0, 30))])]),
    listener([lhost('wild', '*.example.com', [vhost('a.example.com', routes.slice(0, 30)), vhost('*.example.com', routes.slice(10, 40))]), lhost('any', null, [vhost('*', routes)])]),
  ];
  const reuse: RouteReuse = new WeakMap();
  const hosts = newHostReuse();
  steps.forEach((l, i) => {
    assert.deepEqual(selections(compileRouter(l, new Map(), reuse, hosts)), selections(compileRouter(l)), `config ${i}`);
  });
});

test('an unchanged virtual host keeps its compiled index; a changed one gets a new one', () => {
  const routes = Array.from({ length: 20 }, (_, i) => route(`r${i}`, { path: prefix(`/r/${i}`) }));
  const reuse: RouteReuse = new WeakMap();
  const hosts = newHostReuse();
  const first = compileRouter(listener([lhost('any', null, [vhost('*', routes)])]), new Map(), reuse, hosts);
  const second = compileRouter(listener([lhost('any', null, [vhost('*', [...routes])])]), new Map(), reuse, hosts);
  const s1 = first.select({ host: 'h', method: 'GET', path: '/r/3' }), s2 = second.select({ host: 'h', method: 'GET', path: '/r/3' });
  assert.equal(s1?.route, s2?.route, 'the same compiled route is selected');
  const third = compileRouter(listener([lhost('any', null, [vhost('*', routes.slice(4))])]), new Map(), reuse, hosts);
  assert.equal(third.select({ host: 'h', method: 'GET', path: '/r/3' }), null);
  assert.equal(third.select({ host: 'h', method: 'GET', path: '/r/5' })?.route, second.select({ host: 'h', method: 'GET', path: '/r/5' })?.route);
});

// Incremental updates of one large virtual host: a sequence of changes like those a controller sends (a route added,
// removed, replaced by a changed copy, a cluster's runtime replaced, a route with an invalid regex coming and going).
const runtime = (name: string): RuntimeCluster => ({ name, listed: 1, endpoints: roundRobin([]) });

function answers(router: Router, paths: readonly string[]): string[] {
  return paths.map((path) => {
    const s = router.select({ host: 'h.example.com', method: 'GET', path });
    return s === null ? '-' : `${s.route.name} -> ${s.route.backends?.pick()?.name ?? 'none'}`;
  });
}

test('a virtual host updated change by change selects and reports what a fresh compile does', () => {
  // A fixed linear congruential sequence (32-bit, high bits): varied cases, the same every run.
  const pick = ((x: number) => (n: number) => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 16) % n)(5);
  const clusterNames = ['a', 'b', 'c'];
  let clusters = new Map(clusterNames.map((n) => [n, runtime(n)]));
  let serial = 0;
  const make = (): ir.HttpRoute => {
    const i = serial++;
    const kind = pick(5);
    const path = kind === 0 ? exact(`/e/${i % 7}`) : kind === 1 ? regex(`/x/${i % 5}.*`) : kind === 2 ? prefix('/') : prefix(`/r/${i % 9}`);
    return route(`route-${i}`, { path, action: forwardTo([clusterNames[pick(3)]!, 1]) });
  };
  let routes = Array.from({ length: 40 }, make);
  const paths = ['/', '/e/1', '/e/3', '/e/6', '/x/2', '/x/4abc', '/r/0', '/r/4/y', '/r/8', '/other', '/bad/zz'];
  const reuse: RouteReuse = new WeakMap();
  const hosts = newHostReuse();
  const l = (rs: ir.HttpRoute[]) => listener([lhost('any', null, [vhost('*', rs), vhost('h.example.com', rs)])]);
  compileRouter(l(routes), clusters, reuse, hosts);
  for (let step = 0; step < 150; step++) {
    const next = [...routes];
    const at = pick(next.length + 1);
    const change = pick(6);
    if (change === 0 && next.length > 20) next.splice(at, 1 + pick(2));
    else if (change === 1 && at < next.length) next[at] = { ...next[at]!, action: forwardTo([clusterNames[pick(3)]!, 1]) };
    else if (change === 2) clusters = new Map(clusters).set(clusterNames[pick(3)]!, runtime(clusterNames[pick(3)]!));
    else if (change === 3) next.splice(at, 0, route(`bad-${step}`, { path: regex('/bad/(') }));
    else if (change === 4) routes.filter((r) => r.name.startsWith('bad-')).forEach((r) => next.splice(next.indexOf(r), 1));
    else next.splice(at, 0, ...Array.from({ length: 1 + pick(2) }, make));
    const updated = compileRouter(l(next), clusters, reuse, hosts);
    const fresh = compileRouter(l(next), clusters);
    assert.deepEqual(answers(updated, paths), answers(fresh, paths), `step ${step}, change ${change}`);
    assert.deepEqual(updated.problems, fresh.problems, `step ${step}: compile problems`);
    const gone = routes.filter((r) => !next.some((n) => n.name === r.name));
    if (gone.length > 0) assert.equal(updated.routesRemoved, true, `step ${step}: ${gone.length} routes gone`);
    for (const r of [...gone, ...next.slice(0, 3)]) assert.equal(updated.hasRoute(r.name), next.some((n) => n.name === r.name));
    routes = next;
  }
});

test('adding a route to a virtual host reports no route removed; removing one does', () => {
  const routes = Array.from({ length: 30 }, (_, i) => route(`r${i}`, { path: prefix(`/r/${i}`) }));
  const reuse: RouteReuse = new WeakMap();
  const hosts = newHostReuse();
  assert.equal(compileRouter(listener([lhost('any', null, [vhost('*', routes)])]), new Map(), reuse, hosts).routesRemoved, false, 'nothing was kept to lose');
  const more = [...routes.slice(0, 10), route('new', { path: prefix('/new') }), ...routes.slice(10)];
  const added = compileRouter(listener([lhost('any', null, [vhost('*', more)])]), new Map(), reuse, hosts);
  assert.equal(added.routesRemoved, false);
  assert.equal(added.select({ host: 'h', method: 'GET', path: '/new/x' })?.route.name, 'new');
  const fewer = compileRouter(listener([lhost('any', null, [vhost('*', more.slice(1))])]), new Map(), reuse, hosts);
  assert.equal(fewer.routesRemoved, true);
  assert.equal(fewer.hasRoute('r0'), false);
  assert.equal(fewer.hasRoute('r1'), true);
  assert.equal(added.select({ host: 'h', method: 'GET', path: '/r/0' })?.route.name, 'r0', 'the earlier router still serves what it had');
});
