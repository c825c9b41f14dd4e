// A thin JSON client for the API server. client-node's typed APIs turn timestamps into Date objects and drop
// `kind`/`apiVersion` from list items; the translator wants objects exactly as `kubectl get -o json` shows them.
import http from 'node:http';
import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { accessFromKubeConfig, type KubeAccess } from './kube-access.ts';

/** An answer of the API server other than 2xx: `code` is the HTTP status (409 conflict, 404 not found, ...). */
export class KubeApiError extends Error {
  readonly code: number;
  constructor(code: number, message: string) {
    super(message);
    this.code = code;
  }
}

/** One line of a watch stream: ADDED, MODIFIED, DELETED, BOOKMARK, or ERROR (then `object` is a Status). */
export type WatchEvent = { type: string; object: Record<string, unknown> };

export type Watch = {
  /** Resolves when the API server ends the stream (its timeoutSeconds), rejects on an error answer or a broken connection. */
  done: Promise<void>;
  /** Ends the stream; `done` then resolves. */
  abort(): void;
};

export type KubeClient = {
  /** The API server URL, for messages. */
  readonly server: string;
  request<T = unknown>(method: 'GET' | 'PUT' | 'PATCH' | 'POST' | 'DELETE', path: string, body?: unknown, contentType?: string): Promise<T>;
  /**
   * Holds a watch open on `path` (with its query: watch=true, resourceVersion, ...) and hands each event to `onEvent`
   * as it arrives, one parsed line at a time. A connection silent for `idleMs` counts as broken.
   */
  watch(path: string, onEvent: (e: WatchEvent) => void, idleMs: number): Watch;
};

/** A client for the API server `access` reaches (a client-node KubeConfig also does: tests and benchmarks). */
export function kubeClient(from: KubeAccess | KubeConfig): KubeClient {
  const access = 'apply' in from ? from : accessFromKubeConfig(from);
  const server = access.server;
  const agents = new SharedAgents();
  /** Connection options for one request: fresh credentials (tokens rotate), and the one keep-alive agent. */
  const options = async (method: string): Promise<https.RequestOptions> => {
    const opts: https.RequestOptions = { method, headers: { accept: 'application/json' } };
    await access.apply(opts);
    // Through an HTTP or SOCKS proxy (proxy-url in the kubeconfig) client-node's own agent does the tunnelling.
    if (!access.proxied) opts.agent = agents.for(server, opts);
    return opts;
  };
  return {
    server,
    async request<T>(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<T> {
      const url = new URL(server + path);
      const opts = await options(method);
      const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
      if (payload) opts.headers = { ...opts.headers, 'content-type': contentType, 'content-length': payload.length };
      const text = await send(url, opts, payload);
      if (text.status < 200 || text.status > 299) {
        throw new KubeApiError(text.status, `${method} ${path}: ${text.status} ${statusMessage(text.body)}`);
      }
      return (text.body === '' ? undefined : JSON.parse(text.body)) as T;
    },
    watch(path, onEvent, idleMs) {
      let aborted = false;
      let req: http.ClientRequest | null = null;
      const done = (async () => {
        const url = new URL(server + path);
        const opts = await options('GET');
        if (aborted) return;
        await new Promise<void>((resolve, reject) => {
          /** Why we ended the stream ourselves: an event the caller refused, or silence. */
          let stopped: Error | null = null;
          const fail = (err: Error) => (aborted ? resolve() : reject(stopped ?? err));
          const stop = (err: Error) => {
            stopped = err;
            // Not destroy(err): when the response has just ended, the keep-alive socket is already back in the
            // agent's pool without the request's error listener, and the error would be uncaught.
            req!.destroy();
            fail(err);
          };
          req = (url.protocol === 'http:' ? http : https).request(url, opts, (res) => {
            res.setEncoding('utf8');
            if (res.statusCode !== 200) {
              let body = '';
              res.on('data', (c: string) => (body += c));
              res.on('end', () => fail(new KubeApiError(res.statusCode ?? 0, `GET ${url.pathname}: ${res.statusCode} ${statusMessage(body)}`)));
              return;
            }
            let buffer = '';
            res.on('data', (chunk: string) => {
              buffer += chunk;
              let nl: number;
              while (stopped === null && (nl = buffer.indexOf('\n')) >= 0) {
                const line = buffer.slice(0, nl);
                buffer = buffer.slice(nl + 1);
                if (line.trim() === '') continue;
                let event: WatchEvent;
                try {
                  event = JSON.parse(line) as WatchEvent;
                } catch {
                  return stop(new Error(`watch ${url.pathname}: a line is not JSON (${line.slice(0, 80)})`));
                }
                try {
                  onEvent(event);
                } catch (err) {
                  return stop(err as Error);
                }
              }
            });
            res.on('end', () => (stopped ? fail(stopped) : resolve()));
            res.on('error', fail);
          });
          req.setTimeout(idleMs, () => stop(new Error(`watch ${url.pathname}: nothing heard from ${url.origin} for ${Math.round(idleMs / 1000)}s`)));
          req.on('error', (err) => fail(new Error(`watch ${url.pathname}: cannot reach the API server at ${url.origin} (${(err as NodeJS.ErrnoException).code ?? err.message})`)));
          req.end();
        });
      })();
      return {
        done,
        abort() {
          aborted = true;
          req?.destroy();
        },
      };
    },
  };
}

/**
 * client-node's applyToHTTPSOptions puts a new Agent in every request's options, so every call was a new TLS
 * connection: a handshake and a parse of the CA and client key each time, and at thousands of status writes hundreds
 * of MiB of allocator memory the controller never gave back. One keep-alive agent per set of TLS material instead; a
 * new one only when the material changes (a rotated client certificate).
 */
class SharedAgents {
  #key: readonly unknown[] = [];
  #agent: http.Agent | null = null;

  for(server: string, opts: https.RequestOptions): http.Agent {
    const key = [opts.ca, opts.cert, opts.key, opts.pfx, opts.passphrase, opts.rejectUnauthorized, opts.servername];
    if (this.#agent === null || key.some((v, i) => !same(v, this.#key[i]))) {
      this.#agent?.destroy();
      const tls = { ca: opts.ca, cert: opts.cert, key: opts.key, pfx: opts.pfx, passphrase: opts.passphrase, rejectUnauthorized: opts.rejectUnauthorized, servername: opts.servername };
      this.#agent = server.startsWith('http:') ? new http.Agent({ keepAlive: true }) : new https.Agent({ keepAlive: true, ...tls });
      this.#key = key;
    }
    return this.#agent;
  }
}

function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Buffer.isBuffer(a) && Buffer.isBuffer(b)) return a.equals(b);
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => same(x, b[i]));
  return false;
}

/** The message of a Status answer, else the start of the raw text. */
function statusMessage(body: string): string {
  try {
    return (JSON.parse(body) as { message?: string }).message ?? body.slice(0, 500);
  } catch {
    return body.slice(0, 500);
  }
}

function send(url: URL, opts: https.RequestOptions, payload?: Buffer): Promise<{ status: number; body: string }> {
  const lib = url.protocol === 'http:' ? http : https;
  return new Promise((resolve, reject) => {
    const req = lib.request(url, { ...opts, timeout: 30_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url.origin} within 30s`)));
    req.on('error', (err) => reject(new Error(`${opts.method} ${url.pathname}: cannot reach the API server at ${url.origin} (${(err as NodeJS.ErrnoException).code ?? err.message})`)));
    req.end(payload);
  });
}
