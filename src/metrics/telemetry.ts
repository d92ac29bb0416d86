/**
 * The OpenTelemetry SDK side of metrics: one MeterProvider with a Prometheus reader served by our
 * own admin HTTP server (the exporter never opens a port of its own), plus an OTLP/HTTP exporter
 * pushing periodically when enabled. The CLI decides whether OTLP is on (from the standard
 * `OTEL_METRICS_EXPORTER` variable, read by `main.ts`) and passes the decision in; the OTLP
 * exporter itself reads its standard endpoint, header and timeout variables (`OTEL_EXPORTER_OTLP_*`).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Meter, MeterProvider as MeterProviderApi } from '@opentelemetry/api';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader, type MetricReader } from '@opentelemetry/sdk-metrics';
import { withPrometheusNames } from './prometheus-names.js';

/** Name of the meter our own instruments use. */
export const METER_NAME = 'llm-extproc';

/** Options of {@link createTelemetry}. */
export interface TelemetryOptions {
  /** `service.name` resource attribute (Prometheus `target_info`, OTLP resource). */
  readonly serviceName: string;
  /** `service.version` resource attribute. */
  readonly serviceVersion?: string;
  readonly otlp?: {
    readonly enabled: boolean;
    /** Export interval (default 60 000 ms, the SDK's default). */
    readonly intervalMs?: number;
    /** Collector URL (`…/v1/metrics`); unset: the exporter reads `OTEL_EXPORTER_OTLP_*` itself. */
    readonly url?: string;
  };
}

/** Metrics SDK of the process. */
export interface Telemetry {
  /** The provider, for `getMeter(name, version)`. */
  readonly meterProvider: MeterProviderApi;
  /** A meter of the provider; default {@link METER_NAME}. */
  meter(name?: string): Meter;
  /**
   * Serves the Prometheus text exposition, names by the OpenTelemetry → Prometheus compatibility
   * rules (unit suffixes, `_total`; see prometheus-names.ts); mount it on the admin server's `/metrics`.
   */
  handleMetricsRequest(req: IncomingMessage, res: ServerResponse): void;
  /** True when OTLP export is on. */
  readonly otlpEnabled: boolean;
  /** Exports what is pending (OTLP) and stops the readers. Safe to call twice. */
  shutdown(): Promise<void>;
}

/** Builds the MeterProvider and its readers. Starts no server and reads no environment itself. */
export function createTelemetry(opts: TelemetryOptions): Telemetry {
  // The exporter is only the reader: it has no option for unit suffixes, so collection and
  // serialization are ours (its own serializer, on renamed copies of the collected metrics).
  const prometheus = new PrometheusExporter({ preventServerStart: true });
  const serializer = new PrometheusSerializer();
  // sdk-metrics is pinned to the exact release the exporters depend on, so there is one copy.
  const readers: MetricReader[] = [prometheus];
  const otlpEnabled = opts.otlp?.enabled === true;
  if (otlpEnabled) {
    readers.push(
      new PeriodicExportingMetricReader({
        exporter: new OTLPMetricExporter(opts.otlp?.url ? { url: opts.otlp.url } : {}),
        exportIntervalMillis: opts.otlp?.intervalMs ?? 60_000,
      }),
    );
  }
  const provider = new MeterProvider({
    resource: resourceFromAttributes({
      'service.name': opts.serviceName,
      ...(opts.serviceVersion ? { 'service.version': opts.serviceVersion } : {}),
    }),
    readers,
  });
  let shutdown: Promise<void> | undefined;
  return {
    meterProvider: provider,
    meter: (name = METER_NAME) => provider.getMeter(name),
    handleMetricsRequest: (_req, res) => {
      prometheus.collect().then(
        ({ resourceMetrics }) => {
          res.statusCode = 200;
          res.setHeader('content-type', 'text/plain; version=0.0.4; charset=utf-8');
          res.end(serializer.serialize(withPrometheusNames(resourceMetrics)));
        },
        (err: unknown) => {
          res.statusCode = 500;
          res.setHeader('content-type', 'text/plain; charset=utf-8');
          res.end(`# failed to collect metrics: ${err instanceof Error ? err.message : String(err)}\n`);
        },
      );
    },
    otlpEnabled,
    shutdown() {
      shutdown ??= provider.forceFlush().then(
        () => provider.shutdown(),
        () => provider.shutdown(),
      );
      return shutdown;
    },
  };
}
