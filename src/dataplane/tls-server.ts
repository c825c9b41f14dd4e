// TLS for HTTPS ports: one SecureContext per Gateway listener, picked by SNI, compiled with the rest of a config,
// with the port's client-certificate validation and each listener's version and cipher limits.
// A new config brings a new plan; handshakes that already happened keep the context they got, so swapping
// certificates never touches open connections. Key material is never logged: errors name the listener only.
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { createSecureContext, type SecureContext, type SecureContextOptions, type TLSSocket } from 'node:tls';
import { DEFAULT_MIN_VERSION, MODERN_CIPHERS } from '../ir/tls-defaults.ts';
import type * as ir from '../ir/types.ts';
import { compileHostTable, type HostTable } from './hosts.ts';

/** Server preference order: HTTP/2 when the client offers it. */
export const ALPN_PROTOCOLS = ['h2', 'http/1.1'];

export type TlsPlan = {
  /** The context for a ClientHello's SNI: the most specific listener hostname, else the default. */
  select(servername: string | undefined): SecureContext;
  /**
   * What handshakes without SNI get: the listener without hostname, else the first one. Also what every handshake
   * negotiates the version and ciphers with (OpenSSL picks them before the SNI callback can switch contexts), so
   * these are the loosest of the port's listeners; `accepts` then holds each connection to its own listener's.
   */
  defaultCredentials: SecureContextOptions;
  /** Changes only when the default context does. */
  defaultId: string;
  /** Server settings of the port: ask for a client certificate, and refuse the handshake without a valid one. */
  clientAuth: { requestCert: boolean; rejectUnauthorized: boolean };
  /** False when the negotiated version or cipher is outside the tls.options of the listener the SNI chose. */
  accepts(socket: TLSSocket): boolean;
  /** The cached contexts this plan uses, so a reused plan keeps them cached. */
  contextIds: string[];
  /**
   * True when the handshake's SNI chose one Gateway listener of this port and the request's Host (lower-case, no
   * port) would choose another, or none: such a request answers 421 (RFC 9110 §15.5.20), since its connection was
   * authenticated for another listener. Without SNI there is nothing to compare.
   */
  misdirected(servername: string | undefined, host: string): boolean;
};

/** The SNI of the TLS connection a request came on (HTTP/1.1 or HTTP/2), if any. */
export function serverNameOf(req: IncomingMessage): string | undefined {
  const name = (req.socket as { servername?: string | false | null }).servername;
  return typeof name === 'string' && name !== '' ? name : undefined;
}

/** `contextId` names the cached SNI context; `defaultId` the settings this entry would give the server as default. */
type Entry = { contextId: string; context: SecureContext; defaultId: string; options: SecureContextOptions; limits: ir.TlsOptions | undefined };

/** Contexts by content, kept while some config uses them: building one parses the key, so unchanged ones are reused. */
export class SecureContexts {
  #byId = new Map<string, SecureContext>();
  #used = new Set<string>();

  /** Starts an apply: contexts not asked for until `commit()` are dropped then. */
  begin(): void {
    this.#used = new Set();
  }

  commit(): void {
    for (const id of this.#byId.keys()) if (!this.#used.has(id)) this.#byId.delete(id);
  }

  keep(ids: readonly string[]): void {
    for (const id of ids) this.#used.add(id);
  }

  get(id: string, options: SecureContextOptions): SecureContext {
    this.#used.add(id);
    let context = this.#byId.get(id);
    if (context === undefined) {
      context = createSecureContext(options);
      this.#byId.set(id, context);
    }
    return context;
  }
}

/**
 * Context options for one certificate set: its key pairs, the CA certificates clients must chain to (every context
 * of a port carries them: the context the SNI chose is the one that verifies), and version and ciphers.
 */
export function contextOptions(
  pairs: readonly ir.TlsSecret[], limits: ir.TlsOptions | undefined, ca?: readonly string[],
): { id: string; options: SecureContextOptions } {
  const options: SecureContextOptions = {
    cert: pairs.map((p) => p.certificate),
    key: pairs.map((p) => p.privateKey),
    minVersion: limits?.minVersion ?? DEFAULT_MIN_VERSION,
    ciphers: (limits?.ciphers ?? MODERN_CIPHERS).join(':'),
    honorCipherOrder: true,
    ...(ca && ca.length > 0 ? { ca: [...ca] } : {}),
  };
  const hash = createHash('sha256');
  for (const p of pairs) hash.update(p.certificate).update('\0').update(p.privateKey).update('\0');
  hash.update(JSON.stringify([options.minVersion, options.ciphers, options.ca ?? []]));
  return { id: hash.digest('hex'), options };
}

/** The loosest settings of the port: the lowest minimum version, every cipher some listener allows. */
function loosest(all: readonly (ir.TlsOptions | undefined)[]): ir.TlsOptions {
  const minVersion = all.some((o) => (o?.minVersion ?? DEFAULT_MIN_VERSION) === 'TLSv1.2') ? 'TLSv1.2' : 'TLSv1.3';
  const allowed = new Set(all.flatMap((o) => o?.ciphers ?? MODERN_CIPHERS));
  return { minVersion, ciphers: MODERN_CIPHERS.filter((c) => allowed.has(c)) };
}

/** Whether a connection's negotiated protocol and cipher fit `limits`. */
export function withinLimits(socket: TLSSocket, limits: ir.TlsOptions | undefined): boolean {
  if (limits === undefined) return true;
  if (limits.minVersion === 'TLSv1.3' && socket.getProtocol() !== 'TLSv1.3') return false;
  const cipher = socket.getCipher()?.name;
  return limits.ciphers === undefined || (cipher !== undefined && limits.ciphers.includes(cipher));
}

/** Throws when a certificate cannot be loaded (validateProxyConfig checks them first, so this is rare). */
export function compileTls(
  gateway: string, listener: ir.HttpsListener, secrets: Readonly<Record<string, ir.TlsSecret>>, contexts: SecureContexts,
): TlsPlan {
  // AllowInsecureFallback serves every client, so OpenSSL is given no CA to verify against: a failed signature check
  // (a client certificate naming a trusted CA it was not signed by) leaves an error behind in OpenSSL that node:tls
  // reports on the connection's next read, resetting it after the handshake succeeded.
  const ca = listener.clientValidation?.mode === 'AllowValidOnly' ? listener.clientValidation.caCertificates : undefined;
  const port = loosest(listener.certificates.map((c) => c.options));
  const entries = listener.certificates.map((c): Entry & { hostname: string | null } => {
    const pairs = c.secretNames.map((name) => secrets[name]!);
    try {
      const { id, options } = contextOptions(pairs, c.options, ca);
      const context = contexts.get(id, options);
      // Handshakes negotiate with the default context's settings: it gets the port's loosest ones.
      const asDefault = contextOptions(pairs, port, ca);
      return { hostname: c.hostname, contextId: id, context, defaultId: asDefault.id, options: asDefault.options, limits: c.options };
    } catch (e) {
      throw new Error(`gateway ${gateway} port ${listener.port} listener ${c.listener}: its certificate cannot be loaded (${(e as Error).message}); fix the Secret it refers to`);
    }
  });
  if (entries.length === 0) throw new Error(`gateway ${gateway} port ${listener.port}: an HTTPS port needs at least one certificate`);
  const fallback = entries.find((e) => e.hostname === null) ?? entries[0]!;
  const table: HostTable<Entry> = compileHostTable(entries.map((e) => ({ hostname: e.hostname, value: e })));
  const chosen = (servername: string | undefined): Entry => {
    if (!servername) return fallback;
    return table.lookup(servername.toLowerCase().replace(/\.$/, '')) ?? fallback;
  };
  const mode = listener.clientValidation?.mode;
  const listeners: HostTable<string> = compileHostTable(listener.hosts.map((h) => ({ hostname: h.hostname, value: h.listener })));
  return {
    misdirected(servername, host) {
      if (servername === undefined) return false;
      const bySni = listeners.lookup(servername.toLowerCase().replace(/\.$/, ''));
      return bySni !== undefined && listeners.lookup(host.replace(/\.$/, '')) !== bySni;
    },
    select: (servername) => chosen(servername).context,
    defaultCredentials: fallback.options,
    defaultId: fallback.defaultId,
    contextIds: entries.map((e) => e.contextId),
    clientAuth: { requestCert: mode !== undefined, rejectUnauthorized: mode === 'AllowValidOnly' },
    accepts: (socket) => withinLimits(socket, chosen(typeof socket.servername === 'string' ? socket.servername : undefined).limits),
  };
}
