// Runs `portico run` as a child process the way a user would, for end-to-end tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { once } from 'node:events';

export const REPO = fileURLToPath(new URL('../..', import.meta.url));
const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

export type PorticoProcess = {
  child: ChildProcess;
  output: () => string;
  /** Sends SIGTERM and resolves with the exit code once the process has drained and exited. */
  stop: () => Promise<number | null>;
};

export function startPortico(args: string[]): PorticoProcess {
  const child = spawn(process.execPath, [MAIN, 'run', '--admin', '127.0.0.1:0', '--access-log', 'off', ...args], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  return {
    child,
    output: () => out,
    stop: async () => {
      if (child.exitCode !== null) return child.exitCode;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const [code] = (await exited) as [number | null];
      return code;
    },
  };
}
