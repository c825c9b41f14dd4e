// What the rest of Portico sees of the data plane: apply configs, learn what got bound, drain.
import type { GatewayKey, ProxyConfig } from '../ir/types.ts';

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
  durationMs: number;
};

export type DataPlaneOptions = {
  /** Endpoints on 127.0.0.0/8 or ::1 are refused unless this is set (standalone mode sets it). */
  allowLoopbackEndpoints?: boolean;
  /** Called once per finished request; null turns access logging off. */
  accessLog?: ((entry: AccessLogEntry) => void) | null;
  /** A prom-client Registry to register the data plane's metrics in. */
  metricsRegistry?: import('prom-client').Registry;
};

export type ListenerBindResult = {
  port: number;
  /** The address bound, or `0.0.0.0`/`::` for all interfaces. */
  address: string;
  bound: boolean;
  /** Why binding failed, e.g. `EADDRINUSE`. */
  error?: string;
};

export type ApplyResult = {
  gateway: GatewayKey;
  version: string;
  listeners: ListenerBindResult[];
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
