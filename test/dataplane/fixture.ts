// Starts a data plane on 127.0.0.1 with port 0 and tells the test which port it got.
import type { Registry } from 'prom-client';
import type { AccessLogEntry } from '../../src/dataplane/contract.ts';
import { createDataPlane, type DataPlaneSettings } from '../../src/dataplane/dataplane.ts';
import type * as ir from '../../src/ir/types.ts';

export type Plane = {
  dp: ReturnType<typeof createDataPlane>;
  port: number;
  warnings: string[];
  log: AccessLogEntry[];
  apply(configs: ir.ProxyConfig[]): Promise<void>;
  close(): Promise<void>;
};

export async function startPlane(
  configs: ir.ProxyConfig[],
  opts: DataPlaneSettings & { metricsRegistry?: Registry } = {},
): Promise<Plane> {
  const warnings: string[] = [];
  const log: AccessLogEntry[] = [];
  const dp = createDataPlane({
    allowLoopbackEndpoints: true,
    warn: (m) => warnings.push(m),
    accessLog: (e) => log.push(e),
    ...opts,
  });
  const results = await dp.apply(configs);
  const first = results[0]?.listeners[0];
  if (!first?.bound) throw new Error(`data plane did not bind: ${JSON.stringify(results)}`);
  return {
    dp,
    port: first.port,
    warnings,
    log,
    async apply(next) {
      const r = await dp.apply(next);
      const bad = r.flatMap((x) => x.listeners).filter((l) => !l.bound);
      if (bad.length > 0) throw new Error(`apply failed to bind: ${JSON.stringify(bad)}`);
    },
    close: () => dp.close(1000),
  };
}
