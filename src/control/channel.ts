// Everything `portico controller --infrastructure kubernetes` needs to feed its proxies: the serving certificate
// (kept in a Secret of the controller's namespace), the config server, TokenReview, and what the proxies reported.
import type { GatewayKey, ProxyConfig } from '../ir/types.ts';
import { defaultLeaseNamespace } from '../sources/leader.ts';
import { TokenReviewer } from './auth.ts';
import { ensureServingSecret } from './cert-secret.ts';
import { servingHosts } from './certs.ts';
import { summarise, type ProxiesSummary } from './reports.ts';
import { ConfigServer } from './server.ts';

/** The Secret holding the config server's CA and certificate, in the controller's own namespace. */
export const SERVING_SECRET = 'portico-config-server-tls';
const RECHECK_MS = 24 * 3600_000;

export type ChannelClient = Parameters<typeof ensureServingSecret>[0] & { request<T = unknown>(method: 'POST', path: string, body?: unknown): Promise<T> };

export type ChannelOptions = {
  listen: { host: string; port: number };
  /** HOST:PORT the proxies dial: the serving certificate covers its host. */
  controllerAddress: string;
  leading: () => boolean;
  onChange: () => void;
  log: { info(m: string): void; warn(m: string): void; error(m: string): void };
};

export type ProxiesOf = (gateway: GatewayKey) => { config: ProxyConfig; summary: ProxiesSummary } | undefined;

export class ProxyChannel {
  readonly #client: ChannelClient;
  readonly #namespace: string;
  readonly #o: ChannelOptions;
  #server: ConfigServer | null = null;
  #recheck: NodeJS.Timeout | undefined;
  #provisioner: { setCaBundle(pem: string): void } | null = null;
  #configs = new Map<GatewayKey, ProxyConfig>();
  /** The CA proxies must trust, PEM; set by start(). */
  caBundle = '';
  url = '';

  /** `contextNamespace`: the kubeconfig context's, where the certificate Secret goes outside a pod. */
  constructor(client: ChannelClient, contextNamespace: string | undefined, o: ChannelOptions) {
    this.#client = client;
    this.#namespace = defaultLeaseNamespace(contextNamespace);
    this.#o = o;
  }

  /**
   * Gets the certificate (creating it once), hands its CA to the provisioner for the proxies' ConfigMaps, and
   * listens. Returns what went wrong, for the user, or null.
   */
  async start(provisioner: { setCaBundle(pem: string): void }): Promise<string | null> {
    this.#provisioner = provisioner;
    const hosts = servingHosts(this.#o.controllerAddress);
    let cert;
    try {
      const r = await ensureServingSecret(this.#client, this.#namespace, SERVING_SECRET, hosts);
      if (r.action !== 'kept') this.#o.log.info(`${r.action} the config server's certificate in Secret ${this.#namespace}/${SERVING_SECRET} (${r.why})`);
      cert = r.cert;
    } catch (err) {
      return `cannot get the config server's certificate: ${(err as Error).message}`;
    }
    this.caBundle = cert.caCert;
    provisioner.setCaBundle(cert.caCert);
    const server = new ConfigServer({
      cert,
      reviewer: new TokenReviewer(this.#client),
      serving: this.#o.leading,
      onChange: this.#o.onChange,
      log: this.#o.log,
    });
    try {
      this.url = await server.listen(this.#o.listen.host, this.#o.listen.port);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      return `cannot listen for proxies on ${this.#o.listen.host}:${this.#o.listen.port} (${code}); choose another with --proxy-config-listen HOST:PORT`;
    }
    this.#server = server;
    this.#o.log.info(`config server for proxies on ${this.url}`);
    this.#recheck = setInterval(() => void this.#renew(hosts), RECHECK_MS);
    this.#recheck.unref();
    return null;
  }

  async #renew(hosts: string[]): Promise<void> {
    try {
      const r = await ensureServingSecret(this.#client, this.#namespace, SERVING_SECRET, hosts);
      if (r.action !== 'kept') {
        this.#server?.setCertificate(r.cert);
        this.caBundle = r.cert.caCert;
        this.#provisioner?.setCaBundle(r.cert.caCert);
        this.#o.onChange();
        this.#o.log.info(`${r.action} the config server's certificate (${r.why})`);
      }
    } catch (err) {
      this.#o.log.error(`cannot renew the config server's certificate: ${(err as Error).message}; retrying in a day`);
    }
  }

  publish(configs: readonly ProxyConfig[]): void {
    this.#configs = new Map(configs.map((c) => [c.gateway, c]));
    this.#server?.publish(configs);
  }

  /** What each Gateway's proxies say about its current config. */
  proxiesOf: ProxiesOf = (gateway) => {
    const config = this.#configs.get(gateway);
    if (!config || !this.#server) return undefined;
    return { config, summary: summarise(gateway, config.version, this.#server.proxies(gateway)) };
  };

  async close(): Promise<void> {
    clearInterval(this.#recheck);
    await this.#server?.close();
  }
}
