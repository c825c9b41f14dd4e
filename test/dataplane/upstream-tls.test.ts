// The pure parts of TLS to backends: server identity rules, pool keys, and the trust a policy asks for.
import assert from 'node:assert/strict';
import type { PeerCertificate } from 'node:tls';
import { test } from 'node:test';
import type * as ir from '../../src/ir/types.ts';
import { identityProblem, tlsConnectOptions, tlsKey } from '../../src/dataplane/upstream-tls.ts';

const base: ir.BackendTls = { policy: 'ns/p', serverName: 'abc.example.com', caCertificates: 'PEM', subjectAltNames: [] };
const cert = (subjectaltname: string) => ({ subject: { CN: 'ignored' }, subjectaltname }) as unknown as PeerCertificate;

test('without subjectAltNames the certificate must match the hostname (wildcards as TLS allows)', () => {
  assert.equal(identityProblem(base, cert('DNS:abc.example.com')), undefined);
  assert.equal(identityProblem(base, cert('DNS:*.example.com')), undefined);
  assert.ok(identityProblem(base, cert('DNS:other.example.com')));
});

test('with subjectAltNames one must match, and the hostname is not checked', () => {
  const sans: ir.BackendTls = { ...base, subjectAltNames: [{ type: 'URI', value: 'spiffe://abc.example.com/id' }, { type: 'Hostname', value: 'svc.example.com' }] };
  assert.equal(identityProblem(sans, cert('DNS:x.example.com, URI:spiffe://abc.example.com/id')), undefined);
  assert.equal(identityProblem(sans, cert('DNS:svc.example.com')), undefined);
  const err = identityProblem(sans, cert('DNS:abc.example.com, URI:spiffe://abc.example.com/other'));
  assert.ok(err);
  assert.match(err.message, /ns\/p/);
  assert.equal((err as Error & { code?: string }).code, 'ERR_TLS_CERT_ALTNAME_INVALID');
});

test('a URI SAN must match exactly, not as a prefix', () => {
  const sans: ir.BackendTls = { ...base, subjectAltNames: [{ type: 'URI', value: 'spiffe://abc.example.com/id' }] };
  assert.ok(identityProblem(sans, cert('URI:spiffe://abc.example.com/id2')));
});

test('pool keys change with every TLS setting and stay put otherwise', () => {
  assert.equal(tlsKey(base), tlsKey({ ...base }));
  for (const changed of [{ serverName: 'x' }, { caCertificates: 'OTHER' }, { caCertificates: undefined },
    { subjectAltNames: [{ type: 'URI' as const, value: 'u' }] }, { clientCertificate: { certificate: 'c', privateKey: 'k' } }, { invalid: 'why' }]) {
    assert.notEqual(tlsKey({ ...base, ...changed }), tlsKey(base), JSON.stringify(changed));
  }
});

test('connect options: SNI from the policy, verification on, the policy CA or the well-known roots', () => {
  const own = tlsConnectOptions(base);
  assert.equal(own.servername, 'abc.example.com');
  assert.equal(own.rejectUnauthorized, true);
  assert.equal(own.ca, 'PEM');
  const system = tlsConnectOptions({ ...base, caCertificates: undefined });
  assert.ok(Array.isArray(system.ca) && system.ca.length > 0);
  assert.equal(tlsConnectOptions({ ...base, clientCertificate: { certificate: 'C', privateKey: 'K' } }).cert, 'C');
});
