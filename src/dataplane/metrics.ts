// Prometheus metrics by gateway, listener, route and backend. The hot path only adds to plain numbers in cells found
// by one Map lookup; the text is built when the registry is scraped. (prom-client's own label children hash and
// validate their labels on every inc/observe: that was most of the metrics' cost per request.) retain() drops the
// cells of routes that are gone.
import type { Registry } from 'prom-client';

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

/** One gateway/listener/route/backend's series, its cells held: recording skips building the lookup keys. */
export type Series = { record(status: number, truncated: boolean, seconds: number): void };

export type Metrics = {
  record(outcome: RequestOutcome): void;
  series(gateway: string, listener: string, route: string, backend: string): Series;
  /** Forgets the series of every gateway and route not in `live` (gateway → route names); a gateway's 404s stay. */
  retain(live: ReadonlyMap<string, { has(route: string): boolean }>): void;
};

const NOOP_SERIES: Series = { record() {} };
const NOOP: Metrics = { record() {}, series: () => NOOP_SERIES, retain() {} };

const REQUESTS = 'portico_http_requests_total';
const DURATION = 'portico_http_request_duration_seconds';
const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

type Labels = Record<string, string>;
/** `dead`: dropped by retain() or reset(); a Series holding it looks its cell up again. */
type CounterCell = { labels: Labels; gateway: string; route: string; value: number; dead?: boolean };
type HistogramCell = { labels: Labels; gateway: string; route: string; counts: Float64Array; sum: number; count: number; dead?: boolean };
type Value = { labels: Labels; value: number; metricName?: string };

/** What a prom-client Registry needs of a metric to expose it, aggregate it across workers and reset it. */
type Exposed<T> = {
  name: string;
  help: string;
  type: 'counter' | 'histogram';
  aggregator: 'sum';
  cells: Map<string, T>;
  get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: Value[] }>;
  reset(): void;
};

function exposed<T>(registry: Registry, name: string, help: string, type: 'counter' | 'histogram', values: (cells: Map<string, T>) => Value[]): Exposed<T> {
  // Two data planes given the same registry share the series, as they would with prom-client's own metrics.
  const existing = registry.getSingleMetric(name) as unknown as Exposed<T> | undefined;
  if (existing?.cells) return existing;
  const cells = new Map<string, T>();
  const metric: Exposed<T> = {
    name, help, type, aggregator: 'sum', cells,
    get: async () => ({ name, help, type, aggregator: 'sum', values: values(cells) }),
    reset: () => {
      for (const c of cells.values()) (c as { dead?: boolean }).dead = true;
      cells.clear();
    },
  };
  registry.registerMetric(metric as unknown as Parameters<Registry['registerMetric']>[0]);
  return metric;
}

function counterValues(cells: Map<string, CounterCell>): Value[] {
  return [...cells.values()].map((c) => ({ labels: c.labels, value: c.value }));
}

function histogramValues(cells: Map<string, HistogramCell>): Value[] {
  const out: Value[] = [];
  for (const h of cells.values()) {
    let acc = 0;
    for (let i = 0; i < BUCKETS.length; i++) {
      acc += h.counts[i];
      out.push({ labels: { le: String(BUCKETS[i]), ...h.labels }, value: acc, metricName: `${DURATION}_bucket` });
    }
    out.push({ labels: { le: '+Inf', ...h.labels }, value: h.count, metricName: `${DURATION}_bucket` });
    out.push({ labels: h.labels, value: h.sum, metricName: `${DURATION}_sum` });
    out.push({ labels: h.labels, value: h.count, metricName: `${DURATION}_count` });
  }
  return out;
}

export function createMetrics(registry: Registry | undefined): Metrics {
  if (registry === undefined) return NOOP;
  const requests = exposed<CounterCell>(registry, REQUESTS,
    'HTTP requests answered by the data plane, by gateway, listener, route, backend and status class (or truncated).', 'counter', counterValues);
  const duration = exposed<HistogramCell>(registry, DURATION,
    'Time from request received to response finished, by gateway and route.', 'histogram', histogramValues);
  const counters = requests.cells;
  const histograms = duration.cells;

  const counter = (gateway: string, listener: string, route: string, backend: string, codeClass: string): CounterCell => {
    const ck = `${gateway}\0${listener}\0${route}\0${backend}\0${codeClass}`;
    let c = counters.get(ck);
    if (c === undefined) {
      c = { labels: { gateway, listener, route, backend, code_class: codeClass }, gateway, route, value: 0 };
      counters.set(ck, c);
    }
    return c;
  };
  const histogram = (gateway: string, route: string): HistogramCell => {
    const hk = `${gateway}\0${route}`;
    let h = histograms.get(hk);
    if (h === undefined) {
      h = { labels: { gateway, route }, gateway, route, counts: new Float64Array(BUCKETS.length), sum: 0, count: 0 };
      histograms.set(hk, h);
    }
    return h;
  };

  return {
    record(o) {
      const route = o.route ?? '';
      counter(o.gateway, o.listener ?? '', route, o.backend ?? '', codeClassOf(o.status, o.truncated)).value++;
      observe(histogram(o.gateway, route), o.seconds);
    },
    series(gateway, listener, route, backend) {
      let ok: CounterCell | null = null;
      let h: HistogramCell | null = null;
      return {
        record(status, truncated, seconds) {
          const codeClass = codeClassOf(status, truncated);
          if (codeClass === '2xx') {
            if (ok === null || ok.dead === true) ok = counter(gateway, listener, route, backend, codeClass);
            ok.value++;
          } else counter(gateway, listener, route, backend, codeClass).value++;
          if (h === null || h.dead === true) h = histogram(gateway, route);
          observe(h, seconds);
        },
      };
    },
    retain(live) {
      const gone = (c: { gateway: string; route: string }) => {
        const routes = live.get(c.gateway);
        return routes === undefined || (c.route !== '' && !routes.has(c.route));
      };
      for (const [key, c] of counters) {
        if (!gone(c)) continue;
        c.dead = true;
        counters.delete(key);
      }
      for (const [key, h] of histograms) {
        if (!gone(h)) continue;
        h.dead = true;
        histograms.delete(key);
      }
    },
  };
}

function codeClassOf(status: number, truncated: boolean): string {
  return truncated ? 'truncated' : status >= 200 && status < 300 ? '2xx' : `${Math.floor(status / 100)}xx`;
}

function observe(h: HistogramCell, seconds: number): void {
  for (let i = 0; i < BUCKETS.length; i++) {
    if (seconds <= BUCKETS[i]) {
      h.counts[i]++;
      break;
    }
  }
  h.sum += seconds;
  h.count++;
}
