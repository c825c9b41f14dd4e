// The config server's certificate. node:crypto parses and verifies X.509 but cannot issue it, so the controller runs
// `openssl` (in the controller image) once, when the Secret that keeps the CA and serving certificate is missing or
// the serving certificate no longer fits (expiring, or the proxies' address changed). Every replica uses the one
// Secret: the first creates it, the others read it (a create conflict means someone else won).
import { execFile } from 'node:child_process';
import { randomBytes, X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type ServingCert = { caCert: string; caKey: string; cert: string; key: string };

/** The serving certificate is renewed when it has fewer days left than this (checked at start and daily). */
export const RENEW_BEFORE_DAYS = 30;
const SERVING_DAYS = 365;
const CA_DAYS = 3650;

/** Names the serving certificate covers: the address proxies dial, its short Service forms, and loopback. */
export function servingHosts(controllerAddress: string): string[] {
  const host = controllerAddress.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  const out = new Set([host]);
  const m = /^([a-z0-9-]+)\.([a-z0-9-]+)(\.svc(\.cluster\.local)?)?$/.exec(host);
  if (m) for (const h of [m[1]!, `${m[1]}.${m[2]}`, `${m[1]}.${m[2]}.svc`, `${m[1]}.${m[2]}.svc.cluster.local`]) out.add(h);
  for (const h of ['localhost', '127.0.0.1']) out.add(h);
  return [...out];
}

/** Why `cert` will not do for `hosts` at `now`, or null. */
export function certProblem(c: ServingCert, hosts: readonly string[], now = new Date()): string | null {
  let x: X509Certificate;
  let ca: X509Certificate;
  try {
    x = new X509Certificate(c.cert);
    ca = new X509Certificate(c.caCert);
  } catch (err) {
    return `it cannot be parsed (${(err as Error).message})`;
  }
  if (!x.verify(ca.publicKey)) return 'it is not signed by the CA beside it';
  if (new Date(ca.validTo).getTime() <= now.getTime()) return 'its CA has expired';
  if (new Date(x.validTo).getTime() - now.getTime() < RENEW_BEFORE_DAYS * 86_400_000) return `it expires on ${x.validTo}`;
  const missing = hosts.filter((h) => (isIP(h) ? x.checkIP(h) : x.checkHost(h)) === undefined);
  if (missing.length > 0) return `it does not cover ${missing.join(', ')}`;
  return null;
}

function run(file: string, args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { cwd }, (err, _stdout, stderr) => {
      if (!err) return resolve();
      const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
      reject(new Error(missing
        ? `${file} is not installed; the controller needs the openssl command to create the config server's certificate once (install it in the image, or create the Secret yourself: see docs/kubernetes.md)`
        : `${file} ${args[0]} failed: ${stderr.trim() || err.message}`));
    });
  });
}

/** A serving certificate for `hosts`, signed by `ca` when given (kept across renewals) or by a new CA. */
export async function issue(hosts: readonly string[], ca: { caCert: string; caKey: string } | null, openssl = 'openssl'): Promise<ServingCert> {
  const dir = await mkdtemp(join(tmpdir(), 'portico-cert-'));
  try {
    const san = hosts.map((h) => (isIP(h) ? `IP:${h}` : `DNS:${h}`)).join(',');
    await writeFile(join(dir, 'openssl.cnf'), [
      '[req]', 'distinguished_name = dn', 'prompt = no', '[dn]', 'CN = portico proxy config CA',
      '[ca]', 'basicConstraints = critical,CA:TRUE', 'keyUsage = critical,keyCertSign,cRLSign', 'subjectKeyIdentifier = hash',
      '[serving]', 'basicConstraints = critical,CA:FALSE', 'keyUsage = critical,digitalSignature', 'extendedKeyUsage = serverAuth',
      `subjectAltName = ${san}`, 'authorityKeyIdentifier = keyid', '',
    ].join('\n'), { mode: 0o600 });
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
    if (ca) {
      await writeFile(join(dir, 'ca.crt'), ca.caCert);
      await writeFile(join(dir, 'ca.key'), ca.caKey, { mode: 0o600 });
    } else {
      await run(openssl, ['req', '-x509', '-config', 'openssl.cnf', '-extensions', 'ca', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', String(CA_DAYS)], dir);
    }
    await run(openssl, ['req', '-new', '-config', 'openssl.cnf', ...ec, '-subj', '/CN=portico-controller', '-keyout', 'tls.key', '-out', 'tls.csr'], dir);
    await run(openssl, ['x509', '-req', '-in', 'tls.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-set_serial', `0x${randomBytes(16).toString('hex')}`,
      '-days', String(SERVING_DAYS), '-extfile', 'openssl.cnf', '-extensions', 'serving', '-out', 'tls.crt'], dir);
    const read = (f: string) => readFile(join(dir, f), 'utf8');
    return { caCert: await read('ca.crt'), caKey: await read('ca.key'), cert: await read('tls.crt'), key: await read('tls.key') };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
