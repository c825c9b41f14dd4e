// Builds the suite's test binary once per content of the conformance Go module and keeps it outside the
// repo, like the cluster's binaries: a warm machine reuses it, a change to go.mod/go.sum/the test file
// builds a new one beside the old.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const moduleDir = fileURLToPath(new URL('..', import.meta.url));
const MODULE_FILES = ['go.mod', 'go.sum', 'portico_test.go'];

export function binaryPath(): string {
  const hash = createHash('sha256');
  for (const f of MODULE_FILES) hash.update(readFileSync(join(moduleDir, f)));
  const root = process.env.PORTICO_CONFORMANCE_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'portico', 'conformance');
  return join(root, `gateway-api-${suiteVersion()}-${hash.digest('hex').slice(0, 12)}`, 'conformance.test');
}

/** The suite's version, read from go.mod: the CRDs the cluster installs must carry the same bundle version. */
export function suiteVersion(): string {
  const m = /sigs\.k8s\.io\/gateway-api\/conformance (v\S+)/.exec(readFileSync(join(moduleDir, 'go.mod'), 'utf8'));
  if (!m) throw new Error(`${join(moduleDir, 'go.mod')} does not require sigs.k8s.io/gateway-api/conformance; restore it from git`);
  return m[1]!;
}

/** Returns the path of the built binary, building it first when missing (needs Go and the module proxy). */
export async function ensureBinary(log: (line: string) => void): Promise<string> {
  const out = binaryPath();
  if (existsSync(out)) return out;
  mkdirSync(join(out, '..'), { recursive: true });
  log(`building the conformance suite into ${out} (a few minutes the first time)`);
  const tmp = `${out}.tmp-${process.pid}`;
  await new Promise<void>((resolve, reject) => {
    execFile('go', ['test', '-c', '-o', tmp, '.'], { cwd: moduleDir, env: { ...process.env, GOWORK: 'off', GOTOOLCHAIN: 'local', GOFLAGS: '-mod=readonly' }, maxBuffer: 16 << 20 },
      (err, _stdout, stderr) => err
        ? reject(new Error(`building the conformance suite failed (go test -c in ${moduleDir}):\n${stderr}\nIs Go >= 1.26 installed and the Go module proxy reachable?`))
        : resolve());
  });
  renameSync(tmp, out);
  return out;
}
