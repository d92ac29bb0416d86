/**
 * An OpenTelemetry meter whose measurements a test can read back: the SDK's own
 * `InMemoryMetricExporter` behind a `PeriodicExportingMetricReader` that exports when asked
 * (cumulative temporality, so each read sees totals since the start).
 */
import type { Meter } from '@opentelemetry/api';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
  type DataPoint,
  type MetricData,
} from '@opentelemetry/sdk-metrics';

/** A meter and a way to read what was recorded on it. */
export interface InMemoryMetrics {
  /** The meter to hand to the code under test. */
  readonly meter: Meter;
  /** Every metric recorded so far (exported now). */
  collect(): Promise<MetricData[]>;
  /** The data points of the metric `name` (e.g. `gen_ai.client.token.usage`), none when not recorded. */
  points(name: string): Promise<Array<DataPoint<unknown>>>;
  /** Stops the reader. */
  shutdown(): Promise<void>;
}

/** Creates a meter (scope `llm-extproc`) recording in memory. */
export function createInMemoryMetrics(): InMemoryMetrics {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  // Exports only when collect() asks; the interval is a formality (its timer is unref'd).
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 2_147_483_647 });
  const provider = new MeterProvider({ readers: [reader] });
  const collect = async (): Promise<MetricData[]> => {
    exporter.reset();
    await reader.forceFlush();
    return exporter.getMetrics().flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics));
  };
  return {
    meter: provider.getMeter('llm-extproc'),
    collect,
    points: async (name) => (await collect()).filter((m) => m.descriptor.name === name).flatMap((m) => m.dataPoints as Array<DataPoint<unknown>>),
    shutdown: () => provider.shutdown(),
  };
}
