// Per-container log files in the CRI format kwok's kubelet serves for `pods/log`
// (`<log-dir>/<namespace>/<pod>/<container>.log`, one `<RFC3339Nano> stdout F <line>` per line).
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

/** RFC 3339 with nanoseconds, as Go's time.RFC3339Nano prints UTC (trailing zeros of the fraction dropped). */
export function rfc3339Nano(ms: number, extraNanos = 0): string {
  const iso = new Date(ms).toISOString(); // 2026-01-02T03:04:05.678Z
  const nanos = String((Math.floor(ms) % 1000 + 1000) % 1000 * 1_000_000 + extraNanos).padStart(9, '0').replace(/0+$/, '');
  return iso.slice(0, 19) + (nanos ? '.' + nanos : '') + 'Z';
}

export function podLogPath(logDir: string, namespace: string, pod: string, container: string): string {
  return join(logDir, namespace, pod, `${container}.log`);
}

export type PodLogWriter = (line: string) => void;

let lastMs = 0;
let seq = 0;

/** Returns the `log` function of one pod. Lines are appended synchronously so a later `pods/log` read sees them. */
export function podLogWriter(logDir: string, namespace: string, pod: string, container: string, onError: (err: Error) => void): PodLogWriter {
  const file = podLogPath(logDir, namespace, pod, container);
  let dirMade = false;
  return (line) => {
    const now = Date.now();
    // Strictly increasing timestamps within one millisecond keep `sinceTime` filtering and ordering stable.
    seq = now === lastMs ? seq + 1 : 0;
    lastMs = now;
    const text = line.split('\n').map((l) => `${rfc3339Nano(now, seq)} stdout F ${l}\n`).join('');
    try {
      if (!dirMade) {
        mkdirSync(join(logDir, namespace, pod), { recursive: true });
        dirMade = true;
      }
      appendFileSync(file, text);
    } catch (err) {
      onError(err as Error);
    }
  };
}
