// Prometheus metrics by gateway, listener, route and backend. Label children are cached so the hot path is a Map
// lookup and an increment, not a label-hash per request.
import { Counter, Histogram, type Registry } from 'prom-client';

export type RequestOutcome = {
  gateway: string;
  listener: string | null;
  route: string | null;
  backend: string | null;
  status: number;
  seconds: number;
};

export type Metrics = { record(outcome: RequestOutcome): void };

const NOOP: Metrics = { record() {} };

const REQUESTS = 'portico_http_requests_total';
const DURATION = 'portico_http_request_duration_seconds';

export function createMetrics(registry: Registry | undefined): Metrics {
  if (registry === undefined) return NOOP;
  const requests =
    (registry.getSingleMetric(REQUESTS) as Counter<string> | undefined) ??
    new Counter({
      name: REQUESTS,
      help: 'HTTP requests answered by the data plane, by gateway, listener, route, backend and status class.',
      labelNames: ['gateway', 'listener', 'route', 'backend', 'code_class'],
      registers: [registry],
    });
  const duration =
    (registry.getSingleMetric(DURATION) as Histogram<string> | undefined) ??
    new Histogram({
      name: DURATION,
      help: 'Time from request received to response finished, by gateway and route.',
      labelNames: ['gateway', 'route'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    });
  const counters = new Map<string, { inc(): void }>();
  const histograms = new Map<string, { observe(v: number): void }>();

  return {
    record(o) {
      const codeClass = `${Math.floor(o.status / 100)}xx`;
      const listener = o.listener ?? '';
      const route = o.route ?? '';
      const backend = o.backend ?? '';
      const ck = `${o.gateway}\0${listener}\0${route}\0${backend}\0${codeClass}`;
      let c = counters.get(ck);
      if (c === undefined) {
        c = requests.labels({ gateway: o.gateway, listener, route, backend, code_class: codeClass });
        counters.set(ck, c);
      }
      c.inc();
      const hk = `${o.gateway}\0${route}`;
      let h = histograms.get(hk);
      if (h === undefined) {
        h = duration.labels({ gateway: o.gateway, route });
        histograms.set(hk, h);
      }
      h.observe(o.seconds);
    },
  };
}
