// A Translator patches each listener's virtual hosts with the routes attachment says changed: the result must stay
// what translate() gives, through routes with several hostnames, wildcards, ties in precedence and removals, and the
// virtual hosts a change does not reach must stay the same objects (the data plane reuses them by reference).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../src/api/meta.ts';
import type * as ir from '../../src/ir/types.ts';
import { ResourceStore } from '../../src/sources/store.ts';
import { Translator } from '../../src/translate/index.ts';
import { assertSameAsFresh } from './same-as-fresh.ts';

const NS = 'default';

function base(): KubeObject[] {
  return [
    { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name: 'portico' }, spec: { controllerName: 'portico.dev/gateway-controller' } },
    {
      apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'gw', namespace: NS },
      spec: {
        gatewayClassName: 'portico',
        listeners: [
          { name: 'any', protocol: 'HTTP', port: 8080, allowedRoutes: { namespaces: { from: 'All' } } },
          { name: 'wild', protocol: 'HTTP', port: 8081, hostname: '*.example.com' },
        ],
      },
    },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'a', namespace: NS }, spec: { ports: [{ port: 80 }] } },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'b', namespace: NS }, spec: { ports: [{ port: 80 }] } },
  ] as unknown as KubeObject[];
}

function route(name: string, hostnames: string[], paths: string[], backend: string, created?: string): KubeObject {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute',
    metadata: { name, namespace: NS, ...(created ? { creationTimestamp: created } : {}) },
    spec: {
      parentRefs: [{ name: 'gw' }],
      ...(hostnames.length > 0 ? { hostnames } : {}),
      rules: [{ matches: paths.map((value) => ({ path: { type: 'PathPrefix', value } })), backendRefs: [{ name: backend, port: 80 }] }],
    },
  } as KubeObject;
}

/** mulberry32, so every run makes the same edits. */
function seeded(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HOSTS = ['a.example.com', 'b.example.com', '*.example.com', 'x.other.com', '*.a.example.com'];

for (const seed of [1, 2, 3]) {
  test(`random route edits keep every listener equal to a fresh translation (seed ${seed})`, () => {
    const random = seeded(seed);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!;
    const store = new ResourceStore({ now: () => new Date('2025-01-01T00:00:00Z') });
    for (const o of base()) store.upsert(o);
    const make = (name: string) => {
      const hostnames = random() < 0.3 ? [] : Array.from({ length: 1 + Math.floor(random() * 2) }, () => pick(HOSTS));
      // Few paths and times: ties in precedence happen, and must come out as a full sort orders them.
      const paths = Array.from({ length: 1 + Math.floor(random() * 2) }, () => pick(['/', '/a', '/b', '/a/b', `/${name}`]));
      const created = random() < 0.2 ? undefined : `2024-01-01T00:00:${String(Math.floor(random() * 20)).padStart(2, '0')}Z`;
      return route(name, hostnames, paths, pick(['a', 'b']), created);
    };
    const names: string[] = [];
    for (let i = 0; i < 80; i++) {
      names.push(`r${i}`);
      store.upsert(make(`r${i}`));
    }
    const translator = new Translator();
    assertSameAsFresh(translator, store, 'the first translation');
    for (let step = 0; step < 120; step++) {
      const op = random();
      let what: string;
      if (op < 0.4) {
        const name = `n${step}`;
        names.push(name);
        store.upsert(make(name));
        what = `adding ${name}`;
      } else if (op < 0.7 && names.length > 0) {
        const name = names.splice(Math.floor(random() * names.length), 1)[0]!;
        store.deleteId(`HTTPRoute/${NS}/${name}`);
        what = `removing ${name}`;
      } else {
        const name = pick(names);
        store.upsert(make(name));
        what = `changing ${name}`;
      }
      assertSameAsFresh(translator, store, `step ${step}, ${what}`);
    }
  });
}

test('a change reaches only the virtual hosts its hostnames cover; the others stay the same objects', () => {
  const store = new ResourceStore({ now: () => new Date('2025-01-01T00:00:00Z') });
  for (const o of base()) store.upsert(o);
  for (let i = 0; i < 20; i++) store.upsert(route(`a${i}`, ['a.example.com'], [`/a/${i}`], 'a', '2024-01-01T00:00:00Z'));
  for (let i = 0; i < 20; i++) store.upsert(route(`b${i}`, ['b.example.com'], [`/b/${i}`], 'b', '2024-01-01T00:00:00Z'));
  const translator = new Translator();
  const hostsOf = (config: ir.ProxyConfig) => {
    const out = new Map<string, ir.VirtualHost>();
    for (const l of config.listeners) {
      if (l.protocol !== 'HTTP') continue;
      for (const h of l.hosts) for (const vh of h.virtualHosts) out.set(`${l.port} ${vh.hostname}`, vh);
    }
    return out;
  };
  const before = hostsOf([...translator.translate(store.snapshot()).proxies.values()][0]!);
  store.upsert(route('a-new', ['a.example.com'], ['/a/new'], 'a', '2024-01-01T00:00:01Z'));
  const result = translator.translate(store.snapshot());
  const after = hostsOf([...result.proxies.values()][0]!);
  assert.equal(after.get('8080 b.example.com'), before.get('8080 b.example.com'), 'b.example.com on port 8080 did not change');
  assert.equal(after.get('8081 b.example.com'), before.get('8081 b.example.com'), 'b.example.com on port 8081 did not change');
  assert.notEqual(after.get('8080 a.example.com'), before.get('8080 a.example.com'));
  assert.equal(after.get('8080 a.example.com')!.routes.length, 21);
  assertSameAsFresh(translator, store, 'adding a-new');
});
