// Client-certificate validation and tls.options as the translator reads them (the golden cases in
// test/golden/translate/tls/ show whole Gateways); here the edges one at a time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type * as core from '../../src/api/core.ts';
import type * as gw from '../../src/api/gateway.ts';
import { checkObjectShape } from '../../src/api/schema.ts';
import { FrontendResolver } from '../../src/translate/frontend-tls.ts';
import { parseTlsOptions } from '../../src/translate/tls-options.ts';
import { makeCert } from '../dataplane/https-support.ts';

const gateway = (frontend: unknown): gw.Gateway => ({
  apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'gw', namespace: 'default', generation: 3 },
  spec: { gatewayClassName: 'portico', listeners: [], tls: { frontend } } as gw.Gateway['spec'],
});
const configMap = (name: string, data: Record<string, string>): core.ConfigMap => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data });

test('tls.options: Portico keys are read and normalised, other domains are left alone', () => {
  assert.deepEqual(parseTlsOptions({ 'portico.dev/min-version': 'TLSv1.3', 'portico.dev/ciphers': 'TLS_AES_128_GCM_SHA256:ECDHE-RSA-AES128-GCM-SHA256', 'example.com/x': 'y' }),
    { ok: true, options: { minVersion: 'TLSv1.3', ciphers: ['TLS_AES_128_GCM_SHA256', 'ECDHE-RSA-AES128-GCM-SHA256'] } });
  assert.deepEqual(parseTlsOptions({ 'example.com/x': 'y' }), { ok: true });
  assert.deepEqual(parseTlsOptions(undefined), { ok: true });
});

test('tls.options: each bad value names its key and what to write instead', () => {
  const problem = (o: Record<string, string>) => {
    const r = parseTlsOptions(o);
    return r.ok ? '' : r.problem;
  };
  assert.match(problem({ 'portico.dev/min-version': '1.1' }), /"portico\.dev\/min-version"\] is "1\.1"; use "1\.2" or "1\.3"/);
  assert.match(problem({ 'portico.dev/ciphers': 'AES128-SHA' }), /unsupported cipher\(s\) AES128-SHA; list/);
  assert.match(problem({ 'portico.dev/ciphers': ' , ' }), /is empty/);
  assert.match(problem({ 'portico.dev/tls-version': '1.3' }), /unknown Portico option/);
  assert.match(problem({ 'portico.dev/min-version': '1.3', 'portico.dev/ciphers': 'ECDHE-RSA-AES128-GCM-SHA256' }), /only TLS 1\.2 ciphers/);
});

test('frontend: perPort wins over default; a port without an entry takes the default; mode defaults to AllowValidOnly', () => {
  const ca = makeCert('client-ca').certificate;
  const r = new FrontendResolver({ secrets: [], referenceGrants: [], configMaps: [configMap('ca', { 'ca.crt': ca }), configMap('other', { 'ca.crt': ca })] });
  const g = gateway({
    default: { validation: { caCertificateRefs: [{ kind: 'ConfigMap', name: 'ca' }] } },
    perPort: [{ port: 8443, tls: { validation: { mode: 'AllowInsecureFallback', caCertificateRefs: [{ kind: 'ConfigMap', name: 'other' }] } } },
      { port: 9443, tls: {} }],
  });
  assert.equal(r.resolve(g, 443, 3).validation?.mode, 'AllowValidOnly');
  assert.equal(r.resolve(g, 8443, 3).validation?.mode, 'AllowInsecureFallback');
  assert.deepEqual(r.resolve(g, 9443, 3), {}, 'a perPort entry without validation turns it off for its port');
});

test('frontend: a ConfigMap without ca.crt, or whose ca.crt holds no certificate, is InvalidCACertificateRef', () => {
  const r = new FrontendResolver({ secrets: [], referenceGrants: [], configMaps: [configMap('nokey', { other: 'x' }), configMap('garbage', { 'ca.crt': 'not a pem' })] });
  for (const [name, message] of [['nokey', /has no key ca\.crt/], ['garbage', /holds no PEM "BEGIN CERTIFICATE" block/]] as const) {
    const out = r.resolve(gateway({ default: { validation: { caCertificateRefs: [{ kind: 'ConfigMap', name }] } } }), 443, 3);
    assert.equal(out.refsCondition?.reason, 'InvalidCACertificateRef');
    assert.match(out.refsCondition!.message, message);
    assert.equal(out.notAccepted?.reason, 'NoValidCACertificate');
    assert.equal(out.notAccepted?.observedGeneration, 3);
  }
});

test('schema: a malformed spec.tls.frontend is refused where it was read, not in translate', () => {
  const g = gateway({ perPort: 'all' }) as unknown as Record<string, unknown>;
  assert.match(checkObjectShape(g)?.message ?? '', /spec\.tls\.frontend\.perPort must be a list/);
  const dup = gateway({ perPort: [{ port: 443, tls: {} }, { port: 443, tls: {} }] }) as unknown as Record<string, unknown>;
  assert.match(checkObjectShape(dup)?.message ?? '', /port 443 is used twice/);
});
