// Prometheus metrics by gateway, listener, route and backend. Label children are cached so the hot path is a Map
// lookup and an increment, not a label-hash per request; retain() drops the children of routes that are gone.
import { Counter, Histogram, type Registry } from 'prom-client';

export type RequestOutcome = {
  gateway: string;
  listener: string | null;
  route: string | null;
  backend: string | null;
  status: number;
  /** Headers sent, body cut short: counted under code_class `truncated`, not as the status it started with. */
  truncated: boolean;
  seconds: number;
};

export type Metrics = {
  record(outcome: RequestOutcome): void;
  /** Forgets the series of every gateway and route not in `live` (gateway → route names); a gateway's 404s stay. */
  retain(live: ReadonlyMap<string, ReadonlySet<string>>): void;
};

const NOOP: Metrics = { record() {}, retain() {} };

const REQUESTS = 'portico_http_requests_total';
const DURATION = 'portico_http_request_duration_seconds';

type Child<T> = { labels: Record<string, string>; gateway: string; route: string; child: T };

export function createMetrics(registry: Registry | undefined): Metrics {
  if (registry === undefined) return NOOP;
  const requests =
    (registry.getSingleMetric(REQUESTS) as Counter<string> | undefined) ??
    new Counter({
      name: REQUESTS,
      help: 'HTTP requests answered by the data plane, by gateway, listener, route, backend and status class (or truncated).',
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
  const counters = new Map<string, Child<{ inc(): void }>>();
  const histograms = new Map<string, Child<{ observe(v: number): void }>>();

  return {
    record(o) {
      const codeClass = o.truncated ? 'truncated' : `${Math.floor(o.status / 100)}xx`;
      const listener = o.listener ?? '';
      const route = o.route ?? '';
      const backend = o.backend ?? '';
      const ck = `${o.gateway}\0${listener}\0${route}\0${backend}\0${codeClass}`;
      let c = counters.get(ck);
      if (c === undefined) {
        const labels = { gateway: o.gateway, listener, route, backend, code_class: codeClass };
        c = { labels, gateway: o.gateway, route, child: requests.labels(labels) };
        counters.set(ck, c);
      }
      c.child.inc();
      const hk = `${o.gateway}\0${route}`;
      let h = histograms.get(hk);
      if (h === undefined) {
        const labels = { gateway: o.gateway, route };
        h = { labels, gateway: o.gateway, route, child: duration.labels(labels) };
        histograms.set(hk, h);
      }
      h.child.observe(o.seconds);
    },
    retain(live) {
      const gone = (c: Child<unknown>) => {
        const routes = live.get(c.gateway);
        return routes === undefined || (c.route !== '' && !routes.has(c.route));
      };
      for (const [key, c] of counters) {
        if (!gone(c)) continue;
        counters.delete(key);
        requests.remove(c.labels);
      }
      for (const [key, h] of histograms) {
        if (!gone(h)) continue;
        histograms.delete(key);
        duration.remove(h.labels);
      }
    },
  };
}
