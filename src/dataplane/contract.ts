// What the rest of Portico sees of the data plane: apply configs, learn what got bound, drain.
import type { ApplyResult } from '../ir/apply.ts';
import type { ProxyConfig } from '../ir/types.ts';

export type { ApplyResult, ListenerBindResult } from '../ir/apply.ts';

export type AccessLogEntry = {
  time: string;
  gateway: string;
  listener: string | null;
  route: string | null;
  backend: string | null;
  method: string;
  host: string;
  path: string;
  status: number;
  /** The status line was sent but the body was cut short (upstream died mid-body, or the client left). */
  truncated: boolean;
  durationMs: number;
};

export type DataPlaneOptions = {
  /** Endpoints that reach this host (127.0.0.0/8, ::1, 0.0.0.0, ::) are refused unless this is set (standalone mode sets it). */
  allowLoopbackEndpoints?: boolean;
  /** Called once per finished request; null turns access logging off. */
  accessLog?: ((entry: AccessLogEntry) => void) | null;
  /** A prom-client Registry to register the data plane's metrics in. */
  metricsRegistry?: import('prom-client').Registry;
};

export interface DataPlane {
  /**
   * Makes exactly these configs live: new Gateways and ports are bound, changed ones swap their router atomically,
   * Gateways or ports that are gone drain and close. Resolves once every listener is bound (or failed to bind).
   */
  apply(configs: readonly ProxyConfig[]): Promise<ApplyResult[]>;
  /** Stops accepting, lets requests in flight finish (up to `graceMs`), then closes everything. */
  close(graceMs?: number): Promise<void>;
}
