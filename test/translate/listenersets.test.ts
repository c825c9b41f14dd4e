// ListenerSets: shape checks where they are read, merge precedence, and what a Gateway's status says about them.
// The golden cases under test/golden/translate/listenerset/ pin the full status and IR.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ManifestError, parseManifests } from '../../src/sources/parse.ts';
import { snapshotOf } from '../../src/api/snapshot.ts';
import type { Condition } from '../../src/api/meta.ts';
import type { GatewayKey } from '../../src/ir/types.ts';
import { translate } from '../../src/translate/index.ts';
import type { ObjectStatus } from '../../src/status/types.ts';

const CLASS = 'apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {name: portico}\nspec: {controllerName: portico.dev/gateway-controller}\n';
const gateway = (allowed: string) => `apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: gw}\nspec:
  gatewayClassName: portico
${allowed}  listeners:
  - {name: http, port: 80, protocol: HTTP, hostname: gw.example.com}\n`;
const listenerSet = (name: string, hostname: string, created?: string) => `apiVersion: gateway.networking.k8s.io/v1
kind: ListenerSet
metadata: {name: ${name}${created ? `, creationTimestamp: "${created}"` : ''}}
spec:
  parentRef: {name: gw}
  listeners:
  - {name: http, port: 80, protocol: HTTP, hostname: ${hostname}}\n`;

function statusOf(docs: string[]): ObjectStatus[] {
  return translate(snapshotOf(parseManifests(docs.join('---\n'), 'x.yaml').map((p) => p.object))).status;
}

function find(status: ObjectStatus[], kind: string, name: string): ObjectStatus {
  const s = status.find((x) => x.kind === kind && x.name === name);
  assert.ok(s, `no status for ${kind} ${name}`);
  return s;
}

function listenerCondition(s: ObjectStatus, type: string): Condition | undefined {
  assert.ok(s.kind === 'ListenerSet');
  return s.status.listeners?.[0]?.conditions.find((c) => c.type === type);
}

test('a ListenerSet without parentRef or with a bad listener is refused where it was read', () => {
  const head = 'apiVersion: gateway.networking.k8s.io/v1\nkind: ListenerSet\nmetadata: {name: ls}\n';
  assert.throws(() => parseManifests(`${head}spec:\n  listeners: []\n`, 'x.yaml'),
    (e: unknown) => e instanceof ManifestError && /ListenerSet default\/ls: spec\.parentRef is required/.test(e.message));
  assert.throws(() => parseManifests(`${head}spec:\n  parentRef: {name: gw}\n  listeners:\n  - {name: a, port: http, protocol: HTTP}\n`, 'x.yaml'),
    (e: unknown) => e instanceof ManifestError && e.line === 7 && /spec\.listeners\[0\]\.port must be a port number/.test(e.message));
});

test('the older ListenerSet keeps a contested hostname; one without creationTimestamp comes last', () => {
  const allowed = '  allowedListeners: {namespaces: {from: Same}}\n';
  const status = statusOf([CLASS, gateway(allowed), listenerSet('a-undated', 'x.example.com'), listenerSet('b-newer', 'x.example.com', '2026-02-01T00:00:00Z'),
    listenerSet('c-older', 'x.example.com', '2026-01-01T00:00:00Z')]);
  assert.equal(listenerCondition(find(status, 'ListenerSet', 'c-older'), 'Conflicted')?.status, 'False');
  assert.equal(listenerCondition(find(status, 'ListenerSet', 'b-newer'), 'Conflicted')?.reason, 'HostnameConflict');
  assert.equal(listenerCondition(find(status, 'ListenerSet', 'a-undated'), 'Programmed')?.reason, 'HostnameConflict');
  const gw = find(status, 'Gateway', 'gw');
  assert.ok(gw.kind === 'Gateway');
  assert.equal((gw.status as { attachedListenerSets?: number }).attachedListenerSets, 1);
});

test('a Gateway no ListenerSet concerns reports no attachedListenerSets; one that names it reports the count', () => {
  const plain = find(statusOf([CLASS, gateway('')]), 'Gateway', 'gw');
  assert.ok(!('attachedListenerSets' in plain.status));
  const status = statusOf([CLASS, gateway(''), listenerSet('ls', 'ls.example.com')]);
  assert.equal((find(status, 'Gateway', 'gw').status as { attachedListenerSets?: number }).attachedListenerSets, 0);
  const ls = find(status, 'ListenerSet', 'ls');
  assert.ok(ls.kind === 'ListenerSet');
  assert.deepEqual(ls.status.conditions?.map((c) => `${c.type}=${c.status}/${c.reason}`), ['Accepted=False/NotAllowed', 'Programmed=False/NotAllowed']);
  assert.match(ls.status.conditions?.[0].message ?? '', /has no spec\.allowedListeners.*set spec\.allowedListeners\.namespaces on Gateway default\/gw/);
});

test('a ListenerSet listener serves on the Gateway port under a name of its own', () => {
  const docs = [CLASS, gateway('  allowedListeners: {namespaces: {from: All}}\n'), listenerSet('ls', 'ls.example.com')];
  const proxy = translate(snapshotOf(parseManifests(docs.join('---\n'), 'x.yaml').map((p) => p.object))).proxies.get('default/gw' as GatewayKey);
  assert.ok(proxy);
  const port80 = proxy.listeners.find((l) => l.port === 80);
  assert.ok(port80 && port80.protocol === 'HTTP');
  assert.deepEqual(port80.hosts.map((h) => h.listener).sort(), ['default/ls/http', 'http']);
});

test("the parent Gateway's spec.tls.frontend validates client certificates on a ListenerSet's own HTTPS port", () => {
  // Key material from a golden case: one Secret serves as the listener's certificate and, its tls.crt, as the CA.
  const golden = readFileSync(join(import.meta.dirname, '..', 'golden', 'translate', 'listenerset', 'certificates.in.yaml'), 'utf8');
  const secret = parseManifests(golden, 'certificates.in.yaml').map((p) => p.object).find((o) => o.kind === 'Secret' && o.metadata.name === 'other');
  assert.ok(secret);
  const data = (secret as unknown as { data: Record<string, string> }).data;
  const ca = Buffer.from(data['tls.crt'], 'base64').toString('utf8');
  const objects = [
    ...parseManifests([CLASS, `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw}
spec:
  gatewayClassName: portico
  allowedListeners: {namespaces: {from: Same}}
  tls:
    frontend:
      default:
        validation:
          caCertificateRefs: [{group: "", kind: ConfigMap, name: ca}]
  listeners:
  - {name: http, port: 80, protocol: HTTP}\n`, `apiVersion: gateway.networking.k8s.io/v1
kind: ListenerSet
metadata: {name: ls}
spec:
  parentRef: {name: gw}
  listeners:
  - {name: https, port: 8443, protocol: HTTPS, tls: {certificateRefs: [{name: tls}]}}\n`].join('---\n'), 'x.yaml').map((p) => p.object),
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ca', namespace: 'default' }, data: { 'ca.crt': ca } },
    { ...secret, metadata: { name: 'tls', namespace: 'default' } },
  ];
  const proxy = translate(snapshotOf(objects)).proxies.get('default/gw' as GatewayKey);
  const https = proxy?.listeners.find((l) => l.port === 8443);
  assert.ok(https && https.protocol === 'HTTPS', JSON.stringify(proxy?.listeners));
  assert.ok(https.clientValidation, 'the ListenerSet port validates client certificates as the Gateway asks');
});
