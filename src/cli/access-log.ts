// `--access-log off|stdout|PATH`: one JSON line per finished request, written asynchronously off the request path.
import pino from 'pino';
import type { AccessLogEntry } from '../dataplane/contract.ts';

export type AccessLog = { write: ((entry: AccessLogEntry) => void) | null; close(): void };

export function openAccessLog(target: 'off' | 'stdout' | { path: string }): AccessLog {
  if (target === 'off') return { write: null, close() {} };
  const dest = pino.destination(target === 'stdout' ? { dest: 1, sync: false } : { dest: target.path, mkdir: true, sync: false });
  return {
    write: (entry) => {
      dest.write(JSON.stringify(entry) + '\n');
    },
    close() {
      try {
        dest.flushSync();
      } catch {
        // Nothing left to flush, or the stream never opened; either way there is nothing to save.
      }
    },
  };
}
