#!/usr/bin/env node
// The CLI is TypeScript run natively by Node 24; this shim lets `npx portico` (and the container image) find it, and
// starts the long-running commands with the memory settings measured in bench/memory/ (docs/operations.md).
import module from 'node:module';
import { fileURLToPath } from 'node:url';

/**
 * V8 flags for `run`, `controller` and `proxy`. V8 lets the young generation grow to 64 MiB, which these processes
 * fill with short-lived garbage and keep resident; 2 x 4 MiB semi-spaces hold RSS 40-80 MiB lower at 5,000 routes,
 * with no change in requests per CPU-second (bench/memory/cpu.ts) or translation time (bench/translate) that the
 * noise let us see. (--heap-growing-percent saved 10-20 MiB more but made translating 10,000 routes 1.6x slower.)
 * A flag of the same name in NODE_OPTIONS or on node's command line wins; PORTICO_NODE_DEFAULTS=off leaves node's
 * own defaults (flags and environment).
 */
export const NODE_DEFAULTS = ['--max-semi-space-size=4'];
/**
 * Flags for one command on top of NODE_DEFAULTS. `proxy`: V8 starts its memory reducer (incremental GCs that hand
 * unused heap back) only while it measures a low allocation rate, and in a proxy gone quiet after a config or a burst
 * of traffic no GC runs to measure it: the rate stays "high" and 25-35 MiB of garbage stays resident for good. Memory
 * saver mode lets the reducer run regardless; it costs no CPU per request (bench/memory/cpu.ts) but about doubles the
 * time to apply a whole new config, so only the data-plane-only process gets it, not `run` or `controller`, which
 * translate. The compile cache is kept per flag set, so Dockerfile builds it through bin/compile-cache.js with these.
 */
export const COMMAND_NODE_DEFAULTS = { proxy: ['--memory-saver-mode'] };
/**
 * Environment for the same commands, each unless already set. glibc gives every thread that allocates its own malloc
 * arena (V8's GC helpers, libuv's pool), and freed memory stays in them: two arenas hold the controller's RSS about
 * 15 MiB lower.
 */
export const ENV_DEFAULTS = { MALLOC_ARENA_MAX: '2' };
const LONG_RUNNING = new Set(['run', 'controller', 'proxy']);

/** The node flags `command` starts with when nothing overrides them. */
export function defaultsFor(command) {
  return [...NODE_DEFAULTS, ...(COMMAND_NODE_DEFAULTS[command] ?? [])];
}

/** The defaults for `command` not already given (NODE_OPTIONS or node's own arguments), as `--name=value` strings. */
export function missingDefaults(nodeOptions, execArgv, command) {
  // --no-x turns off what --x turns on: both name the same setting.
  const name = (flag) => flag.split('=')[0].replace(/_/g, '-').replace(/^--no-/, '--');
  const given = new Set([...(nodeOptions ?? '').split(/\s+/), ...execArgv].filter(Boolean).map(name));
  return defaultsFor(command).filter((f) => !given.has(name(f)));
}

/**
 * PORTICO_NODE_OPTIONS: node flags for the long-running commands, given on node's command line at the restart below.
 * NODE_OPTIONS refuses most V8 flags (--heap-growing-percent, --memory-saver-mode, ...: "not allowed in NODE_OPTIONS",
 * and node exits); this is how a Gateway's `nodeOptions` parameter reaches its proxies. A flag named here counts as
 * given, as in NODE_OPTIONS.
 */
export function extraFlags(value) {
  return (value ?? '').split(/\s+/).filter(Boolean);
}

const command = process.argv[2];
if (import.meta.main && LONG_RUNNING.has(command) && typeof process.execve === 'function') {
  const extra = extraFlags(process.env.PORTICO_NODE_OPTIONS).filter((f) => !process.execArgv.includes(f));
  const defaultsOn = process.env.PORTICO_NODE_DEFAULTS !== 'off';
  const missing = defaultsOn ? missingDefaults(`${process.env.NODE_OPTIONS ?? ''} ${process.env.PORTICO_NODE_OPTIONS ?? ''}`, process.execArgv, command) : [];
  const env = defaultsOn ? Object.entries(ENV_DEFAULTS).filter(([k]) => process.env[k] === undefined) : [];
  // V8 sizes its heap and glibc reads its settings when the process starts: execve restarts node in place (same PID,
  // same stdio) with them. The restarted process finds them set and goes on.
  if (extra.length > 0 || missing.length > 0 || env.length > 0) {
    process.execve(process.execPath, [process.execPath, ...process.execArgv, ...missing, ...extra, fileURLToPath(import.meta.url), ...process.argv.slice(2)],
      { ...process.env, ...Object.fromEntries(env) });
  }
}

// Cached compilations spare every later start the TypeScript stripping (about 25 MiB that stay resident) and the
// compile time. NODE_COMPILE_CACHE picks the folder (default: the OS temp folder); NODE_DISABLE_COMPILE_CACHE=1 turns it off.
// Imported (by a test) rather than run: only the exports above.
if (import.meta.main) {
  module.enableCompileCache?.();
  await import('../src/cli/main.ts');
}
