// What `run` and `controller` share around the pipeline: config versions and a graceful stop.
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { startAdminServer, type AdminServer, type AdminSources } from '../admin/server.ts';
import { formatHostPort } from '../ir/net.ts';
import type { ProxyConfig } from '../ir/types.ts';

/** How long requests in flight may take to finish on shutdown. */
export const DRAIN_GRACE_MS = 10_000;

/**
 * Short content hash: the same config always gets the same version, so an unchanged Gateway is not rebuilt.
 * Plain JSON.stringify, not stableJson: translate() is pure and builds its objects in a fixed key order, so equal
 * configs give equal text; sorting every key cost ~6x as much (25 ms at 3,000 routes), and a key order that did
 * differ would only cost one needless rebuild, never a missed one.
 */
export function contentVersion(c: ProxyConfig): string {
  return createHash('sha256').update(JSON.stringify({ ...c, version: '' })).digest('hex').slice(0, 12);
}

/** Resolves on the first SIGTERM or SIGINT; a second signal exits at once, skipping the drain. */
export async function untilStopSignal(log: Logger): Promise<void> {
  const signal = await new Promise<string>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  log.info(`${signal}: draining (up to ${DRAIN_GRACE_MS / 1000}s for requests in flight)`);
  const hurry = () => process.exit(1);
  process.once('SIGTERM', hurry);
  process.once('SIGINT', hurry);
}

/** Starts the admin API and logs where; on failure, says what to do instead of throwing. */
export async function startAdmin(at: { host: string; port: number }, sources: AdminSources, log: Logger): Promise<AdminServer | { error: string }> {
  try {
    const admin = await startAdminServer(at.host, at.port, sources);
    log.info({ url: admin.url }, `admin API on ${admin.url}`);
    return admin;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    return { error: `cannot start the admin API on ${formatHostPort(at.host, at.port)} (${code}); choose another with --admin HOST:PORT` };
  }
}
