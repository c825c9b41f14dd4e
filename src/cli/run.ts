// `portico run`: file source → debounce → translate → host addresses → data plane → finalize → status store,
// with the admin API beside it, until SIGTERM or SIGINT.
import pino from 'pino';
import { createMetrics } from '../admin/metrics.ts';
import { createDataPlane } from '../dataplane/index.ts';
import type { ApplyResult, DataPlane } from '../dataplane/contract.ts';
import { AddressPool, assignAddresses, PoolError } from '../infra/host.ts';
import { formatHostPort } from '../ir/net.ts';
import type { ProxyConfig } from '../ir/types.ts';
import { debounce } from '../sources/debounce.ts';
import { FileSource } from '../sources/file.ts';
import { SourceError } from '../sources/files.ts';
import { ResourceStore } from '../sources/store.ts';
import { finalize } from '../status/finalize.ts';
import { StatusStore, type StatusChanges } from '../status/store.ts';
import { Translator } from '../translate/index.ts';
import { openAccessLog } from './access-log.ts';
import type { RunArgs } from './args.ts';
import { DemoBackends } from './demo-backends.ts';
import { problems } from './format.ts';
import { ConfigVersions } from './config-versions.ts';
import { DRAIN_GRACE_MS, startAdmin, untilStopSignal } from './lifecycle.ts';
import { workerCount, WorkerPool } from './workers.ts';

/** How long a new config's status waits behind the first requests it serves (see rebuild). */
const STATUS_DELAY_MS = 25;

export async function run(args: RunArgs): Promise<number> {
  const log = pino({ level: args.logLevel, base: undefined }, pino.destination({ dest: 2, sync: true }));
  let pool: AddressPool | null = null;
  try {
    pool = args.addressPool ? new AddressPool(args.addressPool) : null;
  } catch (err) {
    if (err instanceof PoolError) return fail(err.message, 2);
    throw err;
  }

  const metrics = createMetrics();
  const workers = workerCount(args.workers);
  // One worker serves in this process; more are node:cluster processes that write their own access log lines.
  const accessLog = openAccessLog(workers > 1 ? 'off' : args.accessLog);
  const workerPool = workers > 1
    ? await WorkerPool.start(workers, { accessLog: args.accessLog, logLevel: args.logLevel }, {
      info: (m) => log.info(m), warn: (m) => log.warn(m), error: (m) => log.error(m),
    })
    : null;
  const dataPlane: DataPlane = workerPool ?? createDataPlane({
    allowLoopbackEndpoints: true,
    accessLog: accessLog.write,
    metricsRegistry: metrics.registry,
    warn: (message) => log.warn(message),
  });
  if (workerPool) log.info(`data plane: ${workers} worker processes sharing the listeners`);
  const store = new ResourceStore();
  const versions = new ConfigVersions();
  const statuses = new StatusStore();
  const translator = new Translator();
  const demo = args.demoBackends ? new DemoBackends(log) : null;
  let live: ProxyConfig[] = [];
  let ready = false;
  const listening = new Set<string>();
  const problemLog = new ProblemLog();

  const admin = await startAdmin(args.admin, {
    registry: metrics.registry,
    isReady: () => ready,
    status: () => {
      finishStatus();
      return statuses.items();
    },
    config: () => live,
    ...(workerPool ? { metrics: () => workerPool.metrics(metrics.registry), workers: () => workerPool.status() } : {}),
  }, log);
  if ('error' in admin) {
    await dataPlane.close(0);
    return fail(admin.error, 1);
  }

  const rebuild = async () => {
    const snapshot = store.snapshot();
    if (demo) await demo.sync(snapshot);
    const endTranslate = metrics.translateDuration.startTimer();
    const result = translator.translate(snapshot);
    endTranslate();
    const { configs, unassigned } = assignAddresses(pool, [...result.proxies.values()]);
    const versioned = versions.assign(configs);
    const endApply = metrics.applyDuration.startTimer();
    let results: ApplyResult[];
    try {
      results = await dataPlane.apply(versioned);
      metrics.configApplies.inc({ result: 'ok' });
    } catch (err) {
      metrics.configApplies.inc({ result: 'error' });
      throw err;
    } finally {
      endApply();
    }
    live = versioned;
    ready = true;
    metrics.configVersion.inc();
    metrics.sourceErrors.set(source.errors().length);
    reportListeners(results);
    for (const [gateway, why] of unassigned) log.error({ gateway }, `gateway ${gateway} has no address: ${why}`);
    // The new config is live; its status waits a moment so the first requests on the new routes are not queued
    // behind it. GET /status finishes it first, so it never reads stale status.
    pendingStatus = () => {
      statuses.update(finalize(result.status, results, versioned, { unassigned }));
      for (const p of problemLog.update(statuses.changes())) log.warn(p);
    };
    statusTimer ??= setTimeout(finishStatus, STATUS_DELAY_MS);
  };

  let pendingStatus: (() => void) | null = null;
  let statusTimer: NodeJS.Timeout | undefined;
  const finishStatus = () => {
    clearTimeout(statusTimer);
    statusTimer = undefined;
    const pending = pendingStatus;
    pendingStatus = null;
    pending?.();
  };

  const reportListeners = (results: readonly ApplyResult[]) => {
    const seen = new Set<string>();
    for (const r of results) {
      for (const l of r.listeners) {
        const url = `http://${formatHostPort(l.address, l.port)}`;
        const key = `${r.gateway} ${url}`;
        if (!l.bound) {
          log.error({ gateway: r.gateway, address: l.address, port: l.port, error: l.error },
            `gateway ${r.gateway} cannot listen on ${url} (${l.error ?? 'not bound'}); see GET /status for its conditions`);
          continue;
        }
        seen.add(key);
        if (!listening.has(key)) {
          const all = l.address === '0.0.0.0' || l.address === '::' ? ' (all interfaces)' : '';
          log.info({ gateway: r.gateway, url }, `gateway ${r.gateway} listening on ${url}${all}`);
        }
      }
    }
    for (const key of listening) if (!seen.has(key)) log.info(`gateway ${key.replace(' ', ' stopped listening on ')}`);
    listening.clear();
    for (const k of seen) listening.add(k);
  };

  const rebuilds = debounce(rebuild, {
    holdoffMs: 20,
    maxMs: 200,
    leading: true, // a lone change applies at once; a burst still becomes one rebuild after the first
    onError: (err) => log.error({ err }, `applying the new configuration failed: ${(err as Error)?.message ?? err}; the previous one stays live`),
  });
  const source = new FileSource({ paths: args.files, store, log, onChange: () => rebuilds.trigger() });

  const shutdown = async () => {
    source.close();
    rebuilds.cancel();
    await rebuilds.idle();
    finishStatus();
    await dataPlane.close(DRAIN_GRACE_MS);
    await demo?.close();
    await admin.close();
    accessLog.close();
  };

  // Listening for SIGTERM before anything serves: a stop that comes right after the first 200 (tests, fast
  // orchestrators) otherwise found no handler and killed the process without draining.
  const stopSignal = untilStopSignal(log);
  try {
    await source.start();
  } catch (err) {
    await shutdown();
    if (err instanceof SourceError) return fail(err.message, 2);
    throw err;
  }
  await rebuilds.flush();

  await stopSignal;
  await shutdown();
  log.info('stopped');
  return 0;
}


function fail(message: string, code: number): number {
  process.stderr.write(`portico run: ${message}\n`);
  return code;
}

/**
 * The problems (conditions not True) of every stored status, counted, so each rebuild looks only at the statuses
 * that changed and a problem is logged once, when it first appears.
 */
class ProblemLog {
  readonly #count = new Map<string, number>();

  /** Applies one status update; returns the problems that were not there before it. */
  update(changes: StatusChanges): string[] {
    const fresh: string[] = [];
    const before = new Map<string, number>();
    const add = (text: string, by: number) => {
      const n = this.#count.get(text) ?? 0;
      if (!before.has(text)) before.set(text, n);
      if (n + by === 0) this.#count.delete(text);
      else this.#count.set(text, n + by);
    };
    for (const s of changes.removed) for (const p of problems([s])) add(p, -1);
    for (const s of changes.added) for (const p of problems([s])) add(p, 1);
    for (const [text, n] of before) if (n === 0 && this.#count.has(text)) fresh.push(text);
    return fresh;
  }
}
