// Certificate resolution details the golden cases do not show: stringData, chains, encrypted keys, grants by name.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type * as core from '../../src/api/core.ts';
import type * as gw from '../../src/api/gateway.ts';
import { tlsSecretProblem } from '../../src/ir/validate.ts';
import { CertificateResolver, referenceGranted } from '../../src/translate/certificates.ts';

function openssl(dir: string, ...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
}

/** A CA, a leaf signed by it, and the leaf's key, plus the key encrypted. */
function chain() {
  const dir = mkdtempSync(join(tmpdir(), 'portico-chain-'));
  try {
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'];
    openssl(dir, 'req', '-x509', ...ec, '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=ca');
    openssl(dir, 'req', ...ec, '-nodes', '-keyout', 'leaf.key', '-out', 'leaf.csr', '-subj', '/CN=leaf');
    openssl(dir, 'x509', '-req', '-in', 'leaf.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'leaf.crt', '-days', '2');
    openssl(dir, 'pkey', '-in', 'leaf.key', '-aes256', '-passout', 'pass:x', '-out', 'leaf.enc.key');
    const read = (f: string) => readFileSync(join(dir, f), 'utf8');
    return { ca: read('ca.crt'), leaf: read('leaf.crt'), key: read('leaf.key'), encrypted: read('leaf.enc.key') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const secret = (name: string, fields: Partial<core.Secret>, namespace = 'default'): core.Secret =>
  ({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace }, type: 'kubernetes.io/tls', ...fields });

test('a chain (leaf first) with its key resolves from stringData; the IR keeps only the PEM blocks', () => {
  const c = chain();
  const s = secret('chain', { stringData: { 'tls.crt': `comment line\n${c.leaf}${c.ca}`, 'tls.key': c.key } });
  const r = new CertificateResolver({ secrets: [s], referenceGrants: [] }).resolve([{ name: 'chain' }], 'default', 'https', 1);
  assert.ok(r.ok);
  assert.equal(r.secrets[0]!.name, 'Secret/default/chain');
  assert.equal(r.secrets[0]!.secret.certificate, `${c.leaf.trim()}\n${c.ca.trim()}\n`);
});

test('a chain in the wrong order, or an encrypted key, says what to fix', () => {
  const c = chain();
  assert.match(tlsSecretProblem(c.ca + c.leaf, c.key) ?? '', /does not belong to the first certificate/);
  assert.match(tlsSecretProblem(c.leaf, c.encrypted) ?? '', /encrypted/);
  assert.equal(tlsSecretProblem(c.leaf + c.ca, c.key), undefined);
});

test('a missing tls.key and a missing grant each get their reason', () => {
  const c = chain();
  const resolver = new CertificateResolver({ secrets: [secret('nokey', { stringData: { 'tls.crt': c.leaf } }), secret('x', {}, 'other')], referenceGrants: [] });
  const nokey = resolver.resolve([{ name: 'nokey' }], 'default', 'https', 3);
  assert.ok(!nokey.ok);
  assert.deepEqual([nokey.condition.reason, nokey.condition.observedGeneration], ['InvalidCertificateRef', 3]);
  assert.match(nokey.condition.message, /lacks tls.key/);
  const far = resolver.resolve([{ name: 'x', namespace: 'other' }], 'default', 'https', 3);
  assert.ok(!far.ok);
  assert.equal(far.condition.reason, 'RefNotPermitted');
});

test('referenceGranted matches from group/kind/namespace and to group/kind, and name when the grant names one', () => {
  const grant = (to: { group: string; kind: string; name?: string }): gw.ReferenceGrant => ({
    apiVersion: 'gateway.networking.k8s.io/v1beta1', kind: 'ReferenceGrant', metadata: { name: 'g', namespace: 'certs' },
    spec: { from: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'infra' }], to: [to] },
  });
  const from = { group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'infra' };
  const to = { group: '', kind: 'Secret', namespace: 'certs', name: 'cert' };
  assert.equal(referenceGranted([grant({ group: '', kind: 'Secret' })], from, to), true);
  assert.equal(referenceGranted([grant({ group: '', kind: 'Secret', name: 'cert' })], from, to), true);
  assert.equal(referenceGranted([grant({ group: '', kind: 'Secret', name: 'other' })], from, to), false);
  assert.equal(referenceGranted([grant({ group: '', kind: 'Service' })], from, to), false);
  assert.equal(referenceGranted([grant({ group: '', kind: 'Secret' })], { ...from, namespace: 'x' }, to), false);
});
