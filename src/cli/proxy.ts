// `portico proxy`: one Gateway's data plane in its own pod, fed by the controller's config stream. Applies each
// config, reports the outcome, keeps serving the last good one while the controller is away, ready once the first
// is live, drains on SIGTERM.
import { readFile } from 'node:fs/promises';
import pino from 'pino';
import { createMetrics } from '../admin/metrics.ts';
import { createDataPlane } from '../dataplane/index.ts';
import { formatHostPort } from '../ir/net.ts';
import { shareUnchanged } from '../ir/share.ts';
import type { ProxyConfig } from '../ir/types.ts';
import { DRAIN_GRACE_MS, startAdmin, untilStopSignal } from './lifecycle.ts';
import type { ProxyArgs } from './proxy-args.ts';
import { StreamClient } from './proxy-stream.ts';

export async function proxy(args: ProxyArgs): Promise<number> {
  const log = pino({ level: args.logLevel, base: undefined }, pino.destination({ dest: 2, sync: true }));
  const metrics = createMetrics();
  const dataPlane = createDataPlane({ accessLog: null, metricsRegistry: metrics.registry, warn: (m: string) => log.warn(m) });
  let live: ProxyConfig[] = [];
  let ready = false;
  const admin = await startAdmin(args.admin, {
    registry: metrics.registry,
    isReady: () => ready,
    status: () => [],
    config: () => live,
  }, log);
  if ('error' in admin) {
    await dataPlane.close(0);
    process.stderr.write(`portico proxy: ${admin.error}\n`);
    return 1;
  }

  const readText = (what: string, path: string) => readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new Error(`cannot read the ${what} ${path} (${err.code ?? err.message}); pass --${what === 'token' ? 'token-file' : 'ca-file'} or mount it there`);
  });
  const client = new StreamClient({
    url: args.controller,
    gateway: args.gateway,
    proxy: args.name,
    token: () => readText('token', args.tokenFile),
    ca: () => readText('CA', args.caFile),
    log,
    onConfig: async (config) => {
      // The Gateway's spec.addresses belong to its Service; the pod binds its own interfaces. The previous config's
      // objects stand in for the unchanged parts, so only changed routes are compiled again.
      const local: ProxyConfig = shareUnchanged(live[0], { ...config, addresses: args.listenAddress ? [args.listenAddress] : [] });
      const [result] = await dataPlane.apply([local]);
      live = [local];
      metrics.configVersion.inc();
      const failed = result!.listeners.filter((l) => !l.bound);
      for (const l of failed) log.error(`cannot listen on ${formatHostPort(l.address, l.port)} (${l.error ?? 'not bound'})`);
      if (!ready) log.info(`configuration ${config.version} of Gateway ${config.gateway} is live; ready`);
      else log.info(`configuration ${config.version} is live`);
      ready = true;
      return { result: result! };
    },
  });
  log.info(`proxy ${args.name} of Gateway ${args.gateway}: config from ${args.controller.origin}`);
  client.start();

  await untilStopSignal(log);
  // Not ready first, so the endpoint is removed while the listeners still answer.
  ready = false;
  if (args.drainDelayMs > 0) await new Promise((r) => setTimeout(r, args.drainDelayMs));
  await client.stop();
  await dataPlane.close(DRAIN_GRACE_MS);
  await admin.close();
  log.info('stopped');
  return 0;
}
