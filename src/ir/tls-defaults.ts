// TLS settings every terminating listener starts from, shared by the translator (which checks `tls.options` against
// them) and the data plane (which applies them). Modern only: TLS 1.2 and 1.3 with AEAD ciphers and forward secrecy.

export const DEFAULT_MIN_VERSION = 'TLSv1.2';

/** TLS 1.3 suites first, then TLS 1.2 ECDHE AEAD ciphers (OpenSSL names), in preference order. */
export const MODERN_CIPHERS: readonly string[] = [
  'TLS_AES_128_GCM_SHA256',
  'TLS_AES_256_GCM_SHA384',
  'TLS_CHACHA20_POLY1305_SHA256',
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
];

/** TLS 1.3 suite names start with TLS_; everything else in MODERN_CIPHERS is a TLS 1.2 cipher. */
export function isTls13Suite(name: string): boolean {
  return name.startsWith('TLS_');
}

/** What a data plane cannot apply in `tls.options` as the IR carries them. */
export function tlsOptionsProblems(o: { minVersion?: string; ciphers?: readonly string[] } | undefined): string[] {
  if (o === undefined) return [];
  const out: string[] = [];
  if (o.minVersion !== undefined && o.minVersion !== 'TLSv1.2' && o.minVersion !== 'TLSv1.3') out.push(`minimum TLS version ${o.minVersion} is not TLSv1.2 or TLSv1.3`);
  if (o.ciphers !== undefined) {
    if (o.ciphers.length === 0) out.push('the cipher list is empty');
    for (const name of o.ciphers) if (!MODERN_CIPHERS.includes(name)) out.push(`cipher ${name} is not one Portico offers`);
  }
  return out;
}
