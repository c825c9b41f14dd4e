// The config server in the controller (--infrastructure kubernetes): an HTTPS endpoint where each proxy holds one
// long-lived NDJSON response carrying its Gateway's ProxyConfig (one line per new version, keepalives between),
// and POSTs back what applying each version gave. Only the replica that leads serves it: Programmed comes from the
// proxies' reports, and only the leader writes status, so proxies must report to the leader; others answer 503 and
// the proxy dials again (through the Service, reaching another replica).
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { GatewayKey, ProxyConfig } from '../ir/types.ts';
import { formatHostPort } from '../ir/net.ts';
import { bearer, decide, type AuthDecision, type TokenReviewStatus } from './auth.ts';
import type { ServingCert } from './certs.ts';
import type { ProxiesState } from './reports.ts';
import { encodeMessage, KEEPALIVE_MS, REPORT_PATH, reportProblem, STREAM_CONTENT_TYPE, STREAM_PATH, type ProxyReport } from './stream.ts';

export type ConfigServerOptions = {
  cert: ServingCert;
  reviewer: { review(token: string): Promise<TokenReviewStatus> };
  /** Whether this replica serves streams now (it leads). */
  serving: () => boolean;
  /** Called when what the proxies run may have changed: a report, a proxy gone. */
  onChange: () => void;
  log: { info(m: string): void; warn(m: string): void };
  keepaliveMs?: number;
};

type Stream = { gateway: GatewayKey; proxy: string; res: ServerResponse };

const MAX_REPORT_BYTES = 1024 * 1024;

export class ConfigServer {
  readonly #o: ConfigServerOptions;
  readonly #server: https.Server;
  readonly #configs = new Map<GatewayKey, ProxyConfig>();
  readonly #streams = new Set<Stream>();
  readonly #reports = new Map<GatewayKey, Map<string, ProxyReport>>();
  readonly #keepalive: NodeJS.Timeout;

  constructor(o: ConfigServerOptions) {
    this.#o = o;
    this.#server = https.createServer({ cert: o.cert.cert, key: o.cert.key, minVersion: 'TLSv1.2' }, (req, res) => {
      this.#handle(req, res).catch((err: unknown) => {
        o.log.warn(`config server: ${(err as Error)?.message ?? err}`);
        if (!res.headersSent) send(res, 500, `config server: ${(err as Error)?.message ?? err}`);
        else res.destroy();
      });
    });
    // Streams live for hours; the request timeouts are for reading a request, which ours finish at once.
    this.#server.requestTimeout = 30_000;
    this.#keepalive = setInterval(() => {
      // A replica that lost the lease lets its proxies go, so they find the new leader, which writes their status.
      if (!o.serving()) this.dropStreams();
      for (const s of this.#streams) s.res.write(encodeMessage({ type: 'keepalive' }));
    }, o.keepaliveMs ?? KEEPALIVE_MS);
    this.#keepalive.unref();
  }

  async listen(host: string, port: number): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, host, () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
    return `https://${formatHostPort(host, (this.#server.address() as AddressInfo).port)}`;
  }

  /** Swaps in a renewed certificate; open streams keep their TLS session. */
  setCertificate(cert: ServingCert): void {
    this.#server.setSecureContext({ cert: cert.cert, key: cert.key });
  }

  /** Makes `configs` the ones served; streams of Gateways whose version changed get the new one. */
  publish(configs: readonly ProxyConfig[]): void {
    const next = new Map(configs.map((c) => [c.gateway, c]));
    for (const [key, c] of next) {
      if (this.#configs.get(key)?.version === c.version) continue;
      this.#configs.set(key, c);
      for (const s of this.#streams) if (s.gateway === key) s.res.write(encodeMessage({ type: 'config', config: c }));
    }
    // A Gateway that is gone keeps no config here; its proxies keep their last one until their Deployment goes.
    for (const key of [...this.#configs.keys()]) if (!next.has(key)) this.#configs.delete(key);
  }

  /** What the proxies of `gateway` say right now. */
  proxies(gateway: GatewayKey): ProxiesState {
    const connected = [...new Set([...this.#streams].filter((s) => s.gateway === gateway).map((s) => s.proxy))].sort();
    return { connected, reports: this.#reports.get(gateway) ?? new Map() };
  }

  /** Ends every stream (leadership lost): proxies dial again and find the new leader. */
  dropStreams(): void {
    for (const s of [...this.#streams]) s.res.end();
  }

  async close(): Promise<void> {
    clearInterval(this.#keepalive);
    this.dropStreams();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeAllConnections();
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://controller');
    const route = req.method === 'GET' && url.pathname === STREAM_PATH ? 'stream' : req.method === 'POST' && url.pathname === REPORT_PATH ? 'report' : null;
    if (!route) return send(res, 404, `no ${req.method} ${url.pathname} here; proxies use GET ${STREAM_PATH} and POST ${REPORT_PATH}`);
    if (!this.#o.serving()) return send(res, 503, 'this controller replica does not hold the leader lease; dial again to reach the leader');
    if (route === 'report') return this.#report(req, res);
    const gateway = url.searchParams.get('gateway') ?? '';
    const proxy = url.searchParams.get('proxy') ?? '';
    if (!/^[^/]+\/[^/]+$/.test(gateway) || proxy === '') return send(res, 400, `${STREAM_PATH} needs ?gateway=NAMESPACE/NAME&proxy=POD`);
    const auth = await this.#authorize(req, gateway);
    if (!auth.ok) return this.#refuse(res, auth, gateway, proxy);
    res.writeHead(200, { 'content-type': STREAM_CONTENT_TYPE, 'cache-control': 'no-store' });
    const s: Stream = { gateway: gateway as GatewayKey, proxy, res };
    this.#streams.add(s);
    const config = this.#configs.get(s.gateway);
    res.write(config ? encodeMessage({ type: 'config', config }) : encodeMessage({ type: 'keepalive' }));
    this.#o.log.info(`proxy ${proxy} of Gateway ${gateway} connected`);
    this.#o.onChange();
    res.on('close', () => {
      this.#streams.delete(s);
      this.#o.log.info(`proxy ${proxy} of Gateway ${gateway} disconnected`);
      this.#o.onChange();
    });
  }

  async #report(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let size = 0;
    const chunks: Buffer[] = [];
    for await (const c of req) {
      size += (c as Buffer).length;
      if (size > MAX_REPORT_BYTES) return send(res, 413, `a report is at most ${MAX_REPORT_BYTES} bytes`);
      chunks.push(c as Buffer);
    }
    let body: unknown;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return send(res, 400, 'the report is not JSON');
    }
    const problem = reportProblem(body);
    if (problem) return send(res, 400, `bad report: ${problem}`);
    const r = body as ProxyReport;
    const auth = await this.#authorize(req, r.gateway);
    if (!auth.ok) return this.#refuse(res, auth, r.gateway, r.proxy);
    const byProxy = this.#reports.get(r.gateway) ?? new Map<string, ProxyReport>();
    byProxy.set(r.proxy, r);
    this.#reports.set(r.gateway, byProxy);
    // Reports of proxies no longer connected are dropped, so the map does not grow with pod churn.
    const connected = new Set(this.proxies(r.gateway).connected);
    for (const p of [...byProxy.keys()]) if (!connected.has(p) && p !== r.proxy) byProxy.delete(p);
    res.writeHead(204).end();
    this.#o.onChange();
  }

  async #authorize(req: IncomingMessage, gateway: string): Promise<AuthDecision> {
    const token = bearer(req.headers.authorization);
    if (token === null) return decide(null, gateway);
    let review: TokenReviewStatus;
    try {
      review = await this.#o.reviewer.review(token);
    } catch (err) {
      throw new Error(`cannot review the proxy's token with the API server: ${(err as Error).message}; the controller needs create on tokenreviews.authentication.k8s.io`);
    }
    return decide(review, gateway);
  }

  #refuse(res: ServerResponse, auth: Extract<AuthDecision, { ok: false }>, gateway: string, proxy: string): void {
    this.#o.log.warn(`refused proxy ${proxy || '(unnamed)'} for Gateway ${gateway}: ${auth.message}`);
    send(res, auth.status, auth.message);
  }
}

function send(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: message }) + '\n');
}
