// The proxy's side of the config stream: holds one GET open to the controller, hands each config to `onConfig`
// in order, reports each outcome, and dials again with a capped exponential backoff when the stream ends, fails or
// goes quiet. Token and CA are read from their files on every dial: the kubelet rotates the projected token.
import https from 'node:https';
import type { IncomingMessage } from 'node:http';
import type { ProxyConfig } from '../ir/types.ts';
import { LineDecoder, REPORT_PATH, STALE_MS, STREAM_PATH, type ProxyReport } from '../control/stream.ts';
import { IR_SCHEMA } from '../ir/types.ts';

export type StreamClientOptions = {
  url: URL;
  gateway: string;
  proxy: string;
  token: () => Promise<string>;
  ca: () => Promise<string>;
  /** Applies a config; the returned report fields go back to the controller. */
  onConfig: (config: ProxyConfig) => Promise<Omit<ProxyReport, 'gateway' | 'proxy' | 'version'>>;
  log: { info(m: string): void; warn(m: string): void; error(m: string): void };
  backoff?: { initialMs: number; maxMs: number };
  staleMs?: number;
};

export const BACKOFF = { initialMs: 500, maxMs: 30_000 };

export class StreamClient {
  readonly #o: StreamClientOptions;
  #stopped = false;
  #current: { destroy(): void } | null = null;
  #wake: (() => void) | null = null;
  #applying: Promise<unknown> = Promise.resolve();
  #loop: Promise<void> | null = null;

  constructor(o: StreamClientOptions) {
    this.#o = o;
  }

  start(): void {
    this.#loop ??= this.#run();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#current?.destroy();
    this.#wake?.();
    await this.#loop;
    await this.#applying;
  }

  async #run(): Promise<void> {
    const backoff = this.#o.backoff ?? BACKOFF;
    let delay = backoff.initialMs;
    while (!this.#stopped) {
      let heard = false;
      try {
        await this.#once(() => {
          heard = true;
        });
        if (!this.#stopped) this.#o.log.warn(`the controller ended the config stream; dialling again (serving the last configuration meanwhile)`);
      } catch (err) {
        if (!this.#stopped) this.#o.log.warn(`config stream from ${this.#o.url.origin}: ${(err as Error).message}; dialling again in ${delay / 1000}s (serving the last configuration meanwhile)`);
      }
      if (heard) delay = backoff.initialMs;
      if (this.#stopped) break;
      // Jitter so a controller restart is not met by every proxy at the same instant.
      await this.#sleep(delay * (0.8 + Math.random() * 0.4));
      if (!heard) delay = Math.min(delay * 2, backoff.maxMs);
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.#wake = done;
    });
  }

  async #options(method: 'GET' | 'POST', path: string): Promise<https.RequestOptions> {
    const [token, ca] = await Promise.all([this.#o.token(), this.#o.ca()]);
    return {
      method,
      protocol: 'https:',
      hostname: this.#o.url.hostname.replace(/^\[|\]$/g, ''),
      port: this.#o.url.port || 443,
      path,
      ca,
      headers: { authorization: `Bearer ${token.trim()}` },
      agent: false,
    };
  }

  /** One connection; resolves when the stream ends, rejects on refusal, error or silence. */
  async #once(onMessage: () => void): Promise<void> {
    const q = new URLSearchParams({ gateway: this.#o.gateway, proxy: this.#o.proxy });
    const opts = await this.#options('GET', `${STREAM_PATH}?${q}`);
    if (this.#stopped) return;
    await new Promise<void>((resolve, reject) => {
      const req = https.request(opts);
      this.#current = req;
      let stale: NodeJS.Timeout | undefined;
      const fresh = () => {
        clearTimeout(stale);
        stale = setTimeout(() => req.destroy(new Error(`nothing heard for ${(this.#o.staleMs ?? STALE_MS) / 1000}s`)), this.#o.staleMs ?? STALE_MS);
      };
      const finish = (err?: Error) => {
        clearTimeout(stale);
        this.#current = null;
        if (err && !this.#stopped) reject(err);
        else resolve();
      };
      req.on('error', (err) => finish(err));
      req.on('response', (res: IncomingMessage) => {
        if (res.statusCode !== 200) {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => (text += d));
          res.on('end', () => finish(new Error(`the controller answered ${res.statusCode}: ${errorText(text)}`)));
          res.on('error', (err) => finish(err));
          return;
        }
        fresh();
        const decoder = new LineDecoder();
        res.on('data', (chunk: Buffer) => {
          fresh();
          let messages;
          try {
            messages = decoder.push(chunk);
          } catch (err) {
            req.destroy(err as Error);
            return;
          }
          for (const m of messages) {
            onMessage();
            if (m.type === 'config') this.#enqueue(m.config, m.schema);
          }
        });
        res.on('end', () => finish());
        res.on('error', (err) => finish(err));
      });
      fresh();
      req.end();
    });
  }

  /** Applies configs one after another, in the order they came. */
  #enqueue(config: ProxyConfig, schema: number): void {
    this.#applying = this.#applying.then(async () => {
      if (config.gateway !== this.#o.gateway) {
        this.#o.log.error(`the controller sent the config of ${config.gateway}, not ${this.#o.gateway}; ignored`);
        return;
      }
      let outcome: Omit<ProxyReport, 'gateway' | 'proxy' | 'version'>;
      if (schema !== IR_SCHEMA) {
        // The last config this proxy understood keeps serving; the report makes the Gateway say why it is not current.
        outcome = { error: `this proxy reads configuration schema ${IR_SCHEMA} but the controller sent schema ${schema}; run the controller and its proxies at the same Portico version` };
        this.#o.log.error(outcome.error!);
      } else {
        try {
          outcome = await this.#o.onConfig(config);
        } catch (err) {
          outcome = { error: (err as Error).message };
        }
      }
      await this.#report({ gateway: config.gateway, proxy: this.#o.proxy, version: config.version, ...outcome });
    });
  }

  async #report(r: ProxyReport): Promise<void> {
    try {
      const opts = await this.#options('POST', REPORT_PATH);
      const body = JSON.stringify(r);
      await new Promise<void>((resolve, reject) => {
        const req = https.request({ ...opts, headers: { ...opts.headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => (text += d));
          res.on('end', () => (res.statusCode === 204 ? resolve() : reject(new Error(`${res.statusCode}: ${errorText(text)}`))));
        });
        req.setTimeout(10_000, () => req.destroy(new Error('no answer in 10s')));
        req.on('error', reject);
        req.end(body);
      });
    } catch (err) {
      // The next connection sends the config again, and with it a new report.
      this.#o.log.warn(`cannot report configuration ${r.version} to the controller: ${(err as Error).message}`);
    }
  }
}

function errorText(body: string): string {
  try {
    return (JSON.parse(body) as { error?: string }).error ?? body.trim();
  } catch {
    return body.trim() || '(no body)';
  }
}
