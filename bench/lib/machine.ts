// What the numbers were measured on: the machine, its load and the versions of every tool compared.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';

export type MachineInfo = { nproc: number; cpu: string; kernel: string; memGiB: number; versions: Record<string, string> };

export function machineInfo(): MachineInfo {
  return {
    nproc: cpus().length,
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    kernel: release(),
    memGiB: Math.round(totalmem() / 2 ** 30),
    versions: {
      node: process.version,
      nginx: version('nginx', ['-v'], /nginx\/(\S+)/),
      haproxy: version('haproxy', ['-v'], /version (\S+)/),
      wrk: version('wrk', ['-v'], /wrk (\S+)/),
      undici: undiciVersion(),
    },
  };
}

/** The 1-minute load average, to print beside every result: other work on the machine skews the figures. */
export function load(): string {
  return loadavg().map((l) => l.toFixed(2)).join(' ');
}

function version(cmd: string, args: string[], re: RegExp): string {
  // nginx -v and wrk -v print to stderr, and wrk exits 1 after printing its version: read both, ignore the status.
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return re.exec(`${r.stdout ?? ''}${r.stderr ?? ''}`)?.[1] ?? 'not installed';
}

function undiciVersion(): string {
  try {
    const url = new URL('../../node_modules/undici/package.json', import.meta.url);
    return (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}
