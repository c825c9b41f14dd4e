// The patched attachment (attach-memo.ts) must give exactly what a fresh translation gives, through changes that hit
// each of its ways: a new newest route (appended), an older one (a listener rebuilt), an update in the middle, a
// removal, a route moving between listeners, ties in age, and a GRPCRoute arriving and leaving (full attachment).
import { test } from 'node:test';
import type { KubeObject } from '../../src/api/meta.ts';
import { ResourceStore } from '../../src/sources/store.ts';
import { assertSameAsFresh } from './same-as-fresh.ts';
import { Translator } from '../../src/translate/index.ts';

const G = 'gateway.networking.k8s.io/v1';
const base: KubeObject[] = [
  { apiVersion: G, kind: 'GatewayClass', metadata: { name: 'portico' }, spec: { controllerName: 'portico.dev/gateway-controller' } },
  {
    apiVersion: G, kind: 'Gateway', metadata: { name: 'gw', namespace: 'default' },
    spec: {
      gatewayClassName: 'portico', addresses: [{ type: 'IPAddress', value: '127.0.0.1' }],
      listeners: [
        { name: 'http', protocol: 'HTTP', port: 8080 },
        { name: 'other', protocol: 'HTTP', port: 8081, hostname: '*.example.com' },
      ],
    },
  },
] as unknown as KubeObject[];

type RouteOpts = { minute?: number; path?: string; section?: string; hostnames?: string[]; both?: boolean; kind?: 'HTTPRoute' | 'GRPCRoute' };

function route(name: string, o: RouteOpts = {}): KubeObject {
  const parentRefs = o.both ? [{ name: 'gw', sectionName: 'http' }, { name: 'gw', sectionName: 'other' }] : [{ name: 'gw', ...(o.section ? { sectionName: o.section } : {}) }];
  const rules = o.kind === 'GRPCRoute' ? [{ matches: [{ method: { service: 'a.B' } }] }] : [{ matches: [{ path: { type: 'PathPrefix', value: o.path ?? `/${name}` } }] }];
  return {
    apiVersion: G, kind: o.kind ?? 'HTTPRoute',
    metadata: { name, namespace: 'default', creationTimestamp: `2024-01-01T00:${String(o.minute ?? 0).padStart(2, '0')}:00Z` },
    spec: { parentRefs, ...(o.hostnames ? { hostnames: o.hostnames } : {}), rules },
  } as unknown as KubeObject;
}

test('patched attachment equals a fresh translation through adds, updates, removals and a kind mix', () => {
  const store = new ResourceStore({ now: () => new Date('2025-01-01T00:00:00Z') });
  for (const o of base) store.upsert(o);
  // Minutes repeat, so many routes tie on age and their names decide the order.
  for (let i = 0; i < 120; i++) {
    store.upsert(route(`r${String(i).padStart(3, '0')}`, { minute: i % 7, section: i % 3 === 0 ? 'other' : undefined, both: i % 10 === 0, hostnames: i % 4 === 0 ? ['a.example.com'] : undefined }));
  }
  const translator = new Translator();
  const check = (what: string) => assertSameAsFresh(translator, store, what);
  check('the first translation');
  const steps: [string, () => void][] = [
    ['a newest route', () => store.upsert(route('z-new', { minute: 50 }))],
    ['another newest route on both listeners', () => store.upsert(route('z-new2', { minute: 51, both: true }))],
    ['an oldest route', () => store.upsert(route('a-old', { minute: 0 }))],
    ['an update in the middle', () => store.upsert(route('r050', { minute: 50 % 7, path: '/changed' }))],
    ['a route moving listener', () => store.upsert(route('r051', { minute: 51 % 7, section: 'other' }))],
    ['a route leaving a listener', () => store.upsert(route('r060', { minute: 60 % 7, section: 'http' }))],
    ['a removal in the middle', () => store.deleteId('HTTPRoute/default/r070')],
    ['a removal of the newest', () => store.deleteId('HTTPRoute/default/z-new2')],
    ['an update of the newest', () => store.upsert(route('z-new', { minute: 50, hostnames: ['b.example.com'] }))],
    ['the newest getting older', () => store.upsert(route('z-new', { minute: 1 }))],
    ['a GRPCRoute arriving', () => store.upsert(route('g1', { minute: 2, kind: 'GRPCRoute' }))],
    ['an HTTPRoute beside it', () => store.upsert(route('z-new3', { minute: 52 }))],
    ['the GRPCRoute leaving', () => store.deleteId('GRPCRoute/default/g1')],
    ['a route after the mix', () => store.upsert(route('z-new4', { minute: 53 }))],
    ['an add and a removal together', () => { store.upsert(route('z-new5', { minute: 54 })); store.deleteId('HTTPRoute/default/r001'); }],
    ['nothing changed', () => {}],
  ];
  for (const [what, edit] of steps) {
    edit();
    check(what);
  }
  // More changes at once than the patch takes: attached in full, then patched again from there.
  for (let i = 0; i < 80; i++) store.upsert(route(`bulk${i}`, { minute: 55 }));
  check('many routes at once');
  store.upsert(route('z-last', { minute: 59 }));
  check('one more after many');
});
