// Child processes the benchmarks start: every one is kept by handle and stopped by PID, also when a run fails
// or is interrupted, so a benchmark never leaves a proxy holding a port or a core.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:net';

export type Proc = {
  name: string;
  child: ChildProcess;
  pid: number;
  /** Everything the process wrote to stdout and stderr so far (capped), for error messages. */
  output(): string;
  exited: Promise<number | null>;
  stop(): Promise<void>;
};

const running = new Set<Proc>();
const tempDirs = new Set<string>();
let hooked = false;

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  const cleanup = () => {
    for (const p of running) killTree(p.pid, 'SIGKILL');
    for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
  };
  process.once('exit', cleanup);
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      cleanup();
      process.exit(130);
    });
  }
}

/** A temporary folder removed by `removeTempDir`, or at exit and on Ctrl-C if the run is cut short. */
export function makeTempDir(prefix: string): string {
  hookExit();
  const d = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.add(d);
  return d;
}

export function removeTempDir(dir: string): void {
  tempDirs.delete(dir);
  rmSync(dir, { recursive: true, force: true });
}

/**
 * Starts `cmd` pinned to `cpus` (a taskset list such as "1") when given. `stdout`: a file descriptor for output too
 * large to keep in memory (then `output()` holds stderr only).
 */
export function start(name: string, cmd: string, args: readonly string[], opts: { cpus?: string; cwd?: string; env?: NodeJS.ProcessEnv; stdout?: number } = {}): Proc {
  hookExit();
  const [file, argv] = opts.cpus !== undefined ? ['taskset', ['-c', opts.cpus, cmd, ...args]] : [cmd, [...args]];
  const child = spawn(file, argv, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', opts.stdout ?? 'pipe', 'pipe'] });
  let out = '';
  const keep = (b: Buffer) => { out = (out + b.toString()).slice(-64_000); };
  child.stdout?.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.once('error', (err) => { out += `\n${err.message}`; resolve(-1); });
  });
  if (child.pid === undefined) throw new Error(`${name}: cannot start ${cmd} (is it installed? run bench/install.sh)`);
  const proc: Proc = {
    name, child, pid: child.pid, exited,
    output: () => out,
    stop: async () => {
      if (!running.has(proc)) return;
      running.delete(proc);
      killTree(proc.pid, 'SIGTERM');
      const t = setTimeout(() => killTree(proc.pid, 'SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
      killTree(proc.pid, 'SIGKILL'); // nginx workers may outlive a master that was killed hard
    },
  };
  running.add(proc);
  exited.then(() => running.delete(proc));
  return proc;
}

export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((p) => p.stop()));
}

/** The PID and every descendant, found through /proc (nginx forks its workers). */
export function processTree(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (!stat) continue;
    const list = children.get(stat.ppid) ?? [];
    list.push(Number(entry));
    children.set(stat.ppid, list);
  }
  const out: number[] = [];
  const walk = (p: number) => { out.push(p); for (const c of children.get(p) ?? []) walk(c); };
  walk(pid);
  return out;
}

function killTree(pid: number, sig: NodeJS.Signals): void {
  let pids: number[];
  try { pids = processTree(pid); } catch { pids = [pid]; }
  for (const p of pids.reverse()) {
    try { process.kill(p, sig); } catch { /* already gone */ }
  }
}

type Stat = { ppid: number; ticks: number };

function readStat(pid: number): Stat | null {
  let text: string;
  try { text = readFileSync(`/proc/${pid}/stat`, 'latin1'); } catch { return null; }
  // The command name is in parentheses and may hold spaces: fields are counted after the last ')'.
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) };
}

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** CPU seconds (user + system) used so far by a process and its descendants. */
export function cpuSeconds(pid: number): number {
  let ticks = 0;
  for (const p of processTree(pid)) ticks += readStat(p)?.ticks ?? 0;
  return ticks / TICKS_PER_SECOND;
}

/** Resident memory of a process tree in MiB. */
export function rssMiB(pid: number): number {
  let kb = 0;
  for (const p of processTree(pid)) {
    try {
      const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, 'latin1'));
      if (m) kb += Number(m[1]);
    } catch { /* gone */ }
  }
  return kb / 1024;
}

/** Waits until something accepts TCP connections on host:port, or the process exits, or the time runs out. */
export async function waitForPort(proc: Proc, port: number, timeoutMs = 15_000, host = '127.0.0.1'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  proc.exited.then(() => { exited = true; });
  while (Date.now() < deadline) {
    if (exited) throw new Error(`${proc.name} exited before listening on ${host}:${port}:\n${proc.output().slice(-2000)}`);
    if (await canConnect(host, port)) return;
    await sleep(50);
  }
  throw new Error(`${proc.name} did not listen on ${host}:${port} within ${timeoutMs} ms:\n${proc.output().slice(-2000)}`);
}

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port }, () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
