// The pod player's own diagnostics: one JSON object per line on stderr (stdout carries only `READY`).
export type Fields = Record<string, unknown>;

export function logEvent(level: 'info' | 'warn' | 'error', msg: string, fields: Fields = {}): void {
  process.stderr.write(JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields }) + '\n');
}
