// `--demo-backends`: small echo servers standing in for Services annotated `portico.dev/demo-backend: "true"`,
// at the addresses and ports their EndpointSlices name, so an example answers with nothing else running.
import http from 'node:http';
import { SERVICE_NAME_LABEL } from '../api/core.ts';
import type { ResourceSnapshot } from '../api/snapshot.ts';
import { formatHostPort, isLoopbackAddress } from '../ir/net.ts';

export const DEMO_ANNOTATION = 'portico.dev/demo-backend';

type Log = { info(fields: object, msg: string): void; warn(fields: object, msg: string): void };
type Wanted = { address: string; port: number; service: string; namespace: string };

/** Where each annotated Service's ready endpoints are, keyed `address|port`. */
export function demoEndpoints(snapshot: ResourceSnapshot): Map<string, Wanted> {
  const out = new Map<string, Wanted>();
  for (const svc of snapshot.services) {
    if (svc.metadata.annotations?.[DEMO_ANNOTATION] !== 'true') continue;
    const ns = svc.metadata.namespace ?? 'default';
    for (const slice of snapshot.endpointSlices) {
      if (slice.metadata.namespace !== ns || slice.metadata.labels?.[SERVICE_NAME_LABEL] !== svc.metadata.name) continue;
      for (const ep of slice.endpoints ?? []) {
        if (ep.conditions?.ready === false) continue;
        for (const address of ep.addresses) {
          for (const p of slice.ports ?? []) {
            if (typeof p.port !== 'number') continue;
            const key = `${address}|${p.port}`;
            if (!out.has(key)) out.set(key, { address, port: p.port, service: svc.metadata.name, namespace: ns });
          }
        }
      }
    }
  }
  return out;
}

export class DemoBackends {
  readonly #servers = new Map<string, { server: http.Server; wanted: Wanted }>();
  readonly #log: Log;

  constructor(log: Log) {
    this.#log = log;
  }

  /** Starts servers for new endpoints and stops those no longer named. Failures are logged, not thrown. */
  async sync(snapshot: ResourceSnapshot): Promise<void> {
    const wanted = demoEndpoints(snapshot);
    for (const [key, s] of this.#servers) {
      const w = wanted.get(key);
      if (w && w.service === s.wanted.service && w.namespace === s.wanted.namespace) continue;
      this.#servers.delete(key);
      await closeServer(s.server);
    }
    for (const [key, w] of wanted) {
      if (this.#servers.has(key)) continue;
      if (!isLoopbackAddress(w.address)) {
        this.#log.warn({ service: `${w.namespace}/${w.service}` },
          `demo backend for ${w.namespace}/${w.service} not started: ${w.address} is not a loopback address; use 127.0.0.1 in its EndpointSlice`);
        continue;
      }
      try {
        const server = await listen(w);
        this.#servers.set(key, { server, wanted: w });
        this.#log.info({ service: `${w.namespace}/${w.service}` }, `demo backend ${w.namespace}/${w.service} on ${formatHostPort(w.address, w.port)}`);
      } catch (err) {
        this.#log.warn({ service: `${w.namespace}/${w.service}` },
          `demo backend ${w.namespace}/${w.service} cannot listen on ${formatHostPort(w.address, w.port)} (${(err as NodeJS.ErrnoException).code ?? err}); stop what uses that port or change the EndpointSlice`);
      }
    }
  }

  async close(): Promise<void> {
    const servers = [...this.#servers.values()];
    this.#servers.clear();
    await Promise.all(servers.map((s) => closeServer(s.server)));
  }
}

function listen(w: Wanted): Promise<http.Server> {
  // The answer mirrors the request so a user (or a test) sees which backend got it and what arrived.
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.stringify({
        name: w.service, namespace: w.namespace, method: req.method, path: req.url, headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      }) + '\n';
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'x-echo-name': w.service });
      res.end(body);
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(w.port, w.address, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

function closeServer(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
