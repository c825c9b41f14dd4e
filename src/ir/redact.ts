// The config dump must never leak key material: any `secrets` map (ProxyConfig.secrets: certificate chain and
// private key per name) is replaced by digests of its values, which still show when a secret changed. As a second
// line, any string anywhere that holds a PEM private key is digested too, whatever field it sits in.
import { createHash } from 'node:crypto';

const PRIVATE_KEY = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/;

export function redact(value: unknown): unknown {
  if (typeof value === 'string') return PRIVATE_KEY.test(value) ? digest(value) : value;
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
