// The control plane's own metrics, beside the data plane's (which registers in the same Registry).
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export type ControlPlaneMetrics = {
  registry: Registry;
  /** How many configs have been applied; goes up by one per apply, so a scrape shows reloads. */
  configVersion: Gauge;
  configApplies: Counter<'result'>;
  translateDuration: Histogram;
  applyDuration: Histogram;
  /** Files whose current content does not parse (their last good content is still in force). */
  sourceErrors: Gauge;
};

export function createMetrics(registry = new Registry()): ControlPlaneMetrics {
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    configVersion: new Gauge({ name: 'portico_config_version', help: 'Number of configs applied to the data plane so far', registers }),
    configApplies: new Counter({ name: 'portico_config_applies_total', help: 'Config applies by result (ok, error)', labelNames: ['result'], registers }),
    translateDuration: new Histogram({
      name: 'portico_translate_duration_seconds', help: 'Time to translate a snapshot into IR and status', registers,
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    }),
    applyDuration: new Histogram({
      name: 'portico_apply_duration_seconds', help: 'Time for the data plane to apply a config (bind, compile, swap)', registers,
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    }),
    sourceErrors: new Gauge({ name: 'portico_source_errors', help: 'Manifest files that currently fail to parse', registers }),
  };
}
