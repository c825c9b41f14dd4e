// One data-plane worker of `portico run --workers N`: a node:cluster worker that applies the configs the primary
// sends and answers with its bind results. Listening sockets are shared through the primary (cluster), so every
// worker accepts on the same ports. The primary runs the sources, translate, status and the admin API.
import cluster from 'node:cluster';
import pino from 'pino';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { createDataPlane } from '../dataplane/index.ts';
import { openAccessLog, type AccessLog } from './access-log.ts';
import { DRAIN_GRACE_MS } from './lifecycle.ts';
import type { ToPrimary, ToWorker, WorkerArgs } from './workers.ts';

if (!cluster.isWorker || !process.send) {
  process.stderr.write('portico: src/cli/worker.ts is started by `portico run --workers N`, not directly\n');
  process.exit(2);
}

const args = JSON.parse(process.env.PORTICO_WORKER_ARGS ?? '{}') as WorkerArgs;
const slot = Number(process.env.PORTICO_WORKER_SLOT ?? 0);
const log = pino({ level: args.logLevel, base: { worker: slot } }, pino.destination({ dest: 2, sync: true }));
const registry = new Registry();
collectDefaultMetrics({ register: registry });
const accessLog = args.accessLog === 'stdout' ? lineAtomicStdout() : openAccessLog(args.accessLog);
const dataPlane = createDataPlane({
  allowLoopbackEndpoints: true,
  accessLog: accessLog.write,
  metricsRegistry: registry,
  // Every worker compiles the same config and finds the same problems: one of them says so.
  warn: slot === 0 ? (message) => log.warn(message) : () => {},
});

/**
 * Every worker writes to the same stdout, often a pipe: one write() per line keeps lines whole (a pipe write up to
 * 4 KiB is atomic), where batched asynchronous writes could cut a line in two between another worker's. A file
 * target (O_APPEND) keeps batching: each write lands whole at the end.
 */
function lineAtomicStdout(): AccessLog {
  const dest = pino.destination({ dest: 1, sync: true });
  return { write: (entry) => void dest.write(JSON.stringify(entry) + '\n'), close() {} };
}

const send = (msg: ToPrimary) => process.send!(msg);
let draining: Promise<void> | null = null;

const drain = (graceMs: number) => {
  draining ??= (async () => {
    await dataPlane.close(graceMs);
    accessLog.close();
    process.exit(0);
  })();
  return draining;
};

process.on('message', (msg: ToWorker) => {
  if (msg.type === 'apply') {
    dataPlane.apply(msg.configs).then(
      (results) => send({ type: 'applied', seq: msg.seq, results }),
      (err: unknown) => send({ type: 'apply-failed', seq: msg.seq, error: (err as Error)?.message ?? String(err) }),
    );
  } else if (msg.type === 'metrics') {
    registry.getMetricsAsJSON().then((metrics) => send({ type: 'metrics', seq: msg.seq, metrics }));
  } else if (msg.type === 'drain') {
    void drain(msg.graceMs);
  }
});
// The primary decides when workers stop (SIGINT from a terminal reaches the whole group); SIGTERM sent to this
// worker alone drains it, and the primary starts a new one.
process.on('SIGINT', () => {});
process.on('SIGTERM', () => void drain(DRAIN_GRACE_MS));
// The primary is gone (killed hard): nobody will send configs or a drain any more.
process.on('disconnect', () => void drain(DRAIN_GRACE_MS));
send({ type: 'ready' });
