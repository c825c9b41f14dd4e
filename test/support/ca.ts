// Throwaway certificate authorities for tests, made with openssl (P-256: fast on a loaded machine): a CA, and leaf
// certificates it signs for servers (DNS SANs) or clients.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type KeyPair = { certificate: string; privateKey: string };

function inTemp<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'portico-ca-'));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

export function makeCa(cn: string): KeyPair {
  return inTemp((dir) => {
    execFileSync('openssl', ['req', '-x509', ...EC, '-keyout', join(dir, 'k'), '-out', join(dir, 'c'), '-days', '2', '-subj', `/CN=${cn}`,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], { stdio: 'ignore' });
    return { certificate: readFileSync(join(dir, 'c'), 'utf8'), privateKey: readFileSync(join(dir, 'k'), 'utf8') };
  });
}

/**
 * A leaf signed by `ca`: a server certificate for `names` (DNS SANs), or a client certificate when `names` is empty.
 * `noAuthorityKeyId` leaves out the issuer's key id, as Go's x509 does: verifiers then find the issuer by name only.
 */
export function makeSigned(ca: KeyPair, cn: string, names: string[] = [], noAuthorityKeyId = false): KeyPair {
  return inTemp((dir) => {
    writeFileSync(join(dir, 'ca.crt'), ca.certificate);
    writeFileSync(join(dir, 'ca.key'), ca.privateKey);
    const ext = names.length > 0
      ? `subjectAltName=${names.map((n) => `DNS:${n}`).join(',')}\nextendedKeyUsage=serverAuth\n`
      : 'extendedKeyUsage=clientAuth\n';
    const aki = noAuthorityKeyId ? 'authorityKeyIdentifier=none\nsubjectKeyIdentifier=none\n' : '';
    writeFileSync(join(dir, 'ext'), ext + aki);
    execFileSync('openssl', ['req', ...EC, '-keyout', join(dir, 'k'), '-out', join(dir, 'csr'), '-subj', `/CN=${cn}`], { stdio: 'ignore' });
    execFileSync('openssl', ['x509', '-req', '-in', join(dir, 'csr'), '-CA', join(dir, 'ca.crt'), '-CAkey', join(dir, 'ca.key'),
      '-CAcreateserial', '-out', join(dir, 'c'), '-days', '2', '-extfile', join(dir, 'ext')], { stdio: 'ignore' });
    return { certificate: readFileSync(join(dir, 'c'), 'utf8'), privateKey: readFileSync(join(dir, 'k'), 'utf8') };
  });
}
