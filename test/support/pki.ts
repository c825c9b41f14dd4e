// A throwaway CA and certificates it signs (openssl, P-256: fast on a loaded machine), for upstream TLS tests.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type Pair = { certificate: string; privateKey: string };
export type Ca = Pair & { issue(cn: string, sans: string[], usage?: 'serverAuth' | 'clientAuth'): Pair };

/** `sans` in openssl form: `DNS:abc.example.com`, `URI:spiffe://abc.example.com/x`. */
export function makeCa(cn = 'test-ca'): Ca {
  const dir = mkdtempSync(join(tmpdir(), 'portico-pki-'));
  try {
    openssl(dir, ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', `/CN=${cn}`,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
    const ca = { certificate: readFileSync(join(dir, 'ca.crt'), 'utf8'), privateKey: readFileSync(join(dir, 'ca.key'), 'utf8') };
    return { ...ca, issue: (leaf, sans, usage = 'serverAuth') => issue(ca, leaf, sans, usage) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function issue(ca: Pair, cn: string, sans: string[], usage: string): Pair {
  const dir = mkdtempSync(join(tmpdir(), 'portico-pki-'));
  try {
    writeFileSync(join(dir, 'ca.crt'), ca.certificate);
    writeFileSync(join(dir, 'ca.key'), ca.privateKey);
    writeFileSync(join(dir, 'ext.cnf'), `subjectAltName=${sans.join(',')}\nextendedKeyUsage=${usage}\n`);
    openssl(dir, ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', 'leaf.key', '-out', 'leaf.csr', '-subj', `/CN=${cn}`]);
    openssl(dir, ['x509', '-req', '-in', 'leaf.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial',
      '-out', 'leaf.crt', '-days', '2', '-extfile', 'ext.cnf']);
    return { certificate: readFileSync(join(dir, 'leaf.crt'), 'utf8'), privateKey: readFileSync(join(dir, 'leaf.key'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function openssl(cwd: string, args: string[]): void {
  execFileSync('openssl', args, { cwd, stdio: 'ignore' });
}
