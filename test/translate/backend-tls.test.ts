// BackendTLSPolicy and the Gateway backend client certificate through translate(): what golden files cannot show
// without key material (a valid client certificate), and re-translation as a CA ConfigMap comes and goes.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import type { KubeObject } from '../../src/api/meta.ts';
import { snapshotOf } from '../../src/api/snapshot.ts';
import type * as ir from '../../src/ir/types.ts';
import { validateProxyConfig } from '../../src/ir/validate.ts';
import { translate } from '../../src/translate/index.ts';
import { makeCa, type Ca, type Pair } from '../support/pki.ts';

let ca: Ca;
let client: Pair;
before(() => {
  ca = makeCa('translate-ca');
  client = ca.issue('gateway-client', ['DNS:gateway.example.com'], 'clientAuth');
});

const cls = { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name: 'portico' }, spec: { controllerName: 'portico.dev/gateway-controller' } };

function gateway(name: string, clientRef?: Record<string, string>): KubeObject {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name, namespace: 'infra', generation: 4 },
    spec: { gatewayClassName: 'portico', listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }], ...(clientRef ? { tls: { backend: { clientCertificateRef: clientRef } } } : {}) },
  } as KubeObject;
}

function route(name: string, gw: string): KubeObject {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name, namespace: 'infra' },
    spec: { parentRefs: [{ name: gw }], rules: [{ backendRefs: [{ name: 'tls-svc', port: 443 }, { name: 'plain-svc', port: 80 }] }] },
  } as KubeObject;
}

const services: KubeObject[] = ['tls-svc', 'plain-svc'].map((name) => ({
  apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'infra' },
  spec: { ports: [{ name: 'p', port: name === 'tls-svc' ? 443 : 80, targetPort: 8443 }] },
}) as KubeObject);

const policy = {
  apiVersion: 'gateway.networking.k8s.io/v1', kind: 'BackendTLSPolicy', metadata: { name: 'pol', namespace: 'infra', generation: 2 },
  spec: { targetRefs: [{ group: '', kind: 'Service', name: 'tls-svc' }], validation: { caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'ca' }], hostname: 'abc.example.com' } },
} as KubeObject;

function caMap(pem: string): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ca', namespace: 'infra' }, data: { 'ca.crt': pem } } as KubeObject;
}

function tlsSecret(name: string, ns: string, pair: Pair): KubeObject {
  return {
    apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: ns }, type: 'kubernetes.io/tls',
    data: { 'tls.crt': Buffer.from(pair.certificate).toString('base64'), 'tls.key': Buffer.from(pair.privateKey).toString('base64') },
  } as KubeObject;
}

function policyConditions(objects: KubeObject[]): Record<string, string> {
  const st = translate(snapshotOf(objects)).status.find((s) => s.kind === 'BackendTLSPolicy' && s.name === 'pol');
  const ancestors = (st?.status as { ancestors: { conditions: { type: string; reason: string }[] }[] }).ancestors;
  assert.equal(ancestors.length, 1);
  return Object.fromEntries(ancestors[0]!.conditions.map((c) => [c.type, c.reason]));
}

test('the client certificate reaches the TLS clusters of its Gateway only, and validates', () => {
  const r = translate(snapshotOf([cls, gateway('with-cert', { group: '', kind: 'Secret', name: 'client' }), gateway('without'),
    route('a', 'with-cert'), route('b', 'without'), ...services, policy, caMap(ca.certificate), tlsSecret('client', 'infra', client)]));
  const withCert = r.proxies.get('infra/with-cert' as ir.GatewayKey)!;
  const without = r.proxies.get('infra/without' as ir.GatewayKey)!;
  assert.equal(withCert.backends['Service/infra/tls-svc:443']!.tls!.clientCertificate!.certificate.trim(), client.certificate.trim());
  assert.equal(withCert.backends['Service/infra/plain-svc:80']!.tls, undefined, 'a plain backend gets no TLS');
  assert.equal(without.backends['Service/infra/tls-svc:443']!.tls!.clientCertificate, undefined, 'the other Gateway shares the Service, not the certificate');
  assert.deepEqual(validateProxyConfig(withCert), []);
  const gw = r.status.find((s) => s.kind === 'Gateway' && s.name === 'with-cert')!;
  const resolved = (gw.status as { conditions: { type: string; status: string; observedGeneration?: number }[] }).conditions.find((c) => c.type === 'ResolvedRefs');
  assert.deepEqual([resolved?.status, resolved?.observedGeneration], ['True', 4]);
});

test('a client certificate in another namespace needs a ReferenceGrant', () => {
  const grant = {
    apiVersion: 'gateway.networking.k8s.io/v1beta1', kind: 'ReferenceGrant', metadata: { name: 'g', namespace: 'certs' },
    spec: { from: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'infra' }], to: [{ group: '', kind: 'Secret' }] },
  } as KubeObject;
  const base = [cls, gateway('gw', { group: '', kind: 'Secret', name: 'client', namespace: 'certs' }), route('a', 'gw'), ...services, policy, caMap(ca.certificate), tlsSecret('client', 'certs', client)];
  const reason = (objects: KubeObject[]) => {
    const gw = translate(snapshotOf(objects)).status.find((s) => s.kind === 'Gateway')!;
    return (gw.status as { conditions: { type: string; reason: string }[] }).conditions.find((c) => c.type === 'ResolvedRefs')?.reason;
  };
  assert.equal(reason(base), 'RefNotPermitted');
  assert.equal(reason([...base, grant]), 'ResolvedRefs');
});

test('a CA ConfigMap that is missing, emptied, then restored is followed by each translation', () => {
  const base = [cls, gateway('gw'), route('a', 'gw'), ...services, policy];
  const ok = { Accepted: 'Accepted', ResolvedRefs: 'ResolvedRefs' };
  const broken = { Accepted: 'NoValidCACertificate', ResolvedRefs: 'InvalidCACertificateRef' };
  assert.deepEqual(policyConditions([...base, caMap(ca.certificate)]), ok);
  assert.deepEqual(policyConditions(base), broken);
  assert.deepEqual(policyConditions([...base, caMap('')]), broken);
  assert.deepEqual(policyConditions([...base, caMap('-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n')]), broken);
  assert.deepEqual(policyConditions([...base, caMap(ca.certificate)]), ok);
});

test('a Secret holding ca.crt is accepted as a CA reference too', () => {
  const secretCa = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'ca', namespace: 'infra' }, data: { 'ca.crt': Buffer.from(ca.certificate).toString('base64') } } as KubeObject;
  const bySecret = { ...policy, spec: { ...(policy as unknown as { spec: object }).spec, validation: { caCertificateRefs: [{ group: '', kind: 'Secret', name: 'ca' }], hostname: 'abc.example.com' } } } as KubeObject;
  assert.deepEqual(policyConditions([cls, gateway('gw'), route('a', 'gw'), ...services, bySecret, secretCa]), { Accepted: 'Accepted', ResolvedRefs: 'ResolvedRefs' });
});
