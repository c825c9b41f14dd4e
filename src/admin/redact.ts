// The config dump must never leak key material: any `secrets` map is replaced by digests of its values,
// which still show when a secret changed.
import { createHash } from 'node:crypto';

export function redact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redact);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    out[k] = k === 'secrets' ? digestAll(v) : redact(v);
  }
  return out;
}

function digestAll(secrets: unknown): unknown {
  if (secrets === null || typeof secrets !== 'object') return digest(secrets);
  if (Array.isArray(secrets)) return secrets.map(digest);
  return Object.fromEntries(Object.entries(secrets as Record<string, unknown>).map(([k, v]) => [k, digest(v)]));
}

function digest(v: unknown): string {
  const text = typeof v === 'string' ? v : JSON.stringify(v) ?? '';
  return `sha256:${createHash('sha256').update(text).digest('hex')}`;
}
