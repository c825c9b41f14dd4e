// TLS for HTTPS ports: one SecureContext per Gateway listener, picked by SNI, compiled with the rest of a config.
// A new config brings a new plan; handshakes that already happened keep the context they got, so swapping
// certificates never touches open connections. Key material is never logged: errors name the listener only.
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { createSecureContext, type SecureContext } from 'node:tls';
import type * as ir from '../ir/types.ts';
import { compileHostTable, type HostTable } from './hosts.ts';

/** Server preference order: HTTP/2 when the client offers it. */
export const ALPN_PROTOCOLS = ['h2', 'http/1.1'];

export type TlsPlan = {
  /** The context for a ClientHello's SNI: the most specific listener hostname, else the default. */
  select(servername: string | undefined): SecureContext;
  /** What handshakes without SNI get: the listener without hostname, else the first one. */
  defaultCredentials: { cert: string[]; key: string[] };
  /** Changes only when the default certificate does. */
  defaultId: string;
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

type Entry = { id: string; context: SecureContext; cert: string[]; key: string[] };

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

  get(id: string, cert: string[], key: string[]): SecureContext {
    this.#used.add(id);
    let context = this.#byId.get(id);
    if (context === undefined) {
      context = createSecureContext({ cert, key });
      this.#byId.set(id, context);
    }
    return context;
  }
}

/** Throws when a certificate cannot be loaded (validateProxyConfig checks them first, so this is rare). */
export function compileTls(
  gateway: string, listener: ir.HttpsListener, secrets: Readonly<Record<string, ir.TlsSecret>>, contexts: SecureContexts,
): TlsPlan {
  const entries = listener.certificates.map((c): Entry & { hostname: string | null } => {
    const pairs = c.secretNames.map((name) => secrets[name]!);
    const cert = pairs.map((p) => p.certificate);
    const key = pairs.map((p) => p.privateKey);
    const hash = createHash('sha256');
    for (const p of pairs) hash.update(p.certificate).update('\0').update(p.privateKey).update('\0');
    const id = hash.digest('hex');
    try {
      return { hostname: c.hostname, id, context: contexts.get(id, cert, key), cert, key };
    } catch (e) {
      throw new Error(`gateway ${gateway} port ${listener.port} listener ${c.listener}: its certificate cannot be loaded (${(e as Error).message}); fix the Secret it refers to`);
    }
  });
  if (entries.length === 0) throw new Error(`gateway ${gateway} port ${listener.port}: an HTTPS port needs at least one certificate`);
  const fallback = entries.find((e) => e.hostname === null) ?? entries[0]!;
  const table: HostTable<SecureContext> = compileHostTable(entries.map((e) => ({ hostname: e.hostname, value: e.context })));
  const listeners: HostTable<string> = compileHostTable(listener.hosts.map((h) => ({ hostname: h.hostname, value: h.listener })));
  return {
    misdirected(servername, host) {
      if (servername === undefined) return false;
      const chosen = listeners.lookup(servername.toLowerCase().replace(/\.$/, ''));
      return chosen !== undefined && listeners.lookup(host.replace(/\.$/, '')) !== chosen;
    },
    select(servername) {
      if (!servername) return fallback.context;
      const name = servername.toLowerCase().replace(/\.$/, '');
      return table.lookup(name) ?? fallback.context;
    },
    defaultCredentials: { cert: fallback.cert, key: fallback.key },
    defaultId: fallback.id,
    contextIds: entries.map((e) => e.id),
  };
}
