// A router compiled with reuse (kept compiled routes, virtual hosts and listener hosts) must select exactly what a
// fresh compile selects, through a sequence of configs that keep, add, remove, reorder and move IR routes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileRouter, newHostReuse, type RouteReuse, type Router } from '../../src/dataplane/router.ts';
import type * as ir from '../../src/ir/types.ts';
import { exact, lhost, prefix, route, vhost } from './ir-builders.ts';

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
