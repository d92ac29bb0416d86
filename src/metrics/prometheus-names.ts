/**
 * Metric names in the Prometheus exposition, by the OpenTelemetry → Prometheus compatibility
 * rules: the unit becomes a suffix (`gen_ai.server.request.duration` in `s` is
 * `gen_ai_server_request_duration_seconds`), and the serializer adds `_total` to counters. So
 * Envoy AI Gateway's dashboards and the usual autoscaling queries find our series under the
 * names they already use. OTLP export keeps the semantic-convention names: only the Prometheus
 * reader's output is renamed.
 *
 * Units are translated where Prometheus has a word for them (the specification's table; `1` is
 * `ratio` on gauges only); annotations in braces (`{token}`) say what is counted, not a unit, and
 * add nothing; a unit outside the table (`USD`) adds nothing either, as in the OpenTelemetry Go
 * exporter that Envoy AI Gateway uses.
 */
import { DataPointType, type MetricData, type ResourceMetrics } from '@opentelemetry/sdk-metrics';

/** UCUM units Prometheus has a name for (OpenTelemetry specification, "Prometheus and OpenMetrics Compatibility"). */
const UNIT_WORDS: Readonly<Record<string, string>> = {
  d: 'days',
  h: 'hours',
  min: 'minutes',
  s: 'seconds',
  ms: 'milliseconds',
  us: 'microseconds',
  ns: 'nanoseconds',
  By: 'bytes',
  KiBy: 'kibibytes',
  MiBy: 'mebibytes',
  GiBy: 'gibibytes',
  TiBy: 'tibibytes',
  KBy: 'kilobytes',
  MBy: 'megabytes',
  GBy: 'gigabytes',
  TBy: 'terabytes',
  m: 'meters',
  V: 'volts',
  A: 'amperes',
  J: 'joules',
  W: 'watts',
  g: 'grams',
  Cel: 'celsius',
  Hz: 'hertz',
  '%': 'percent',
};

/** Units after a `/`, in the singular. */
const PER_UNIT_WORDS: Readonly<Record<string, string>> = { s: 'second', m: 'minute', h: 'hour', d: 'day', w: 'week', mo: 'month', y: 'year' };

/**
 * The suffix a unit adds to a Prometheus metric name, or undefined for none. `gauge`: the
 * dimensionless unit `1` reads `ratio` on gauges only.
 */
export function prometheusUnitSuffix(unit: string | undefined, gauge: boolean): string | undefined {
  const bare = (unit ?? '').replace(/\{[^}]*\}/g, '').trim();
  if (bare === '') return undefined;
  if (bare === '1') return gauge ? 'ratio' : undefined;
  const slash = bare.indexOf('/');
  if (slash < 0) return UNIT_WORDS[bare];
  const top = bare.slice(0, slash);
  const bottom = bare.slice(slash + 1);
  const per = PER_UNIT_WORDS[bottom] ?? UNIT_WORDS[bottom];
  if (per === undefined) return undefined;
  const over = top === '' || top === '1' ? undefined : UNIT_WORDS[top];
  if (top !== '' && top !== '1' && over === undefined) return undefined;
  return over === undefined ? `per_${per}` : `${over}_per_${per}`;
}

/** Prometheus's metric name characters: anything else becomes `_`, runs of `_` one. */
function sanitized(name: string): string {
  return name.replace(/[^A-Za-z0-9_:]/g, '_').replace(/_+/g, '_');
}

/**
 * The Prometheus name of an instrument, before the serializer's `_total` for counters: the name
 * with `.` as `_`, and the unit's suffix unless the name already says it.
 */
export function prometheusMetricName(name: string, unit: string | undefined, gauge: boolean): string {
  const base = sanitized(name);
  const suffix = prometheusUnitSuffix(unit, gauge);
  if (suffix === undefined) return base;
  const tokens = base.split('_');
  const suffixTokens = suffix.split('_');
  for (let i = 0; i + suffixTokens.length <= tokens.length; i++) {
    if (suffixTokens.every((t, j) => tokens[i + j] === t)) return base;
  }
  return `${base}_${suffix}`;
}

function renamed(metric: MetricData): MetricData {
  const name = prometheusMetricName(metric.descriptor.name, metric.descriptor.unit, metric.dataPointType === DataPointType.GAUGE);
  return name === metric.descriptor.name ? metric : ({ ...metric, descriptor: { ...metric.descriptor, name } } as MetricData);
}

/** A copy of `collected` with every metric under its Prometheus name (the data points shared, not copied). */
export function withPrometheusNames(collected: ResourceMetrics): ResourceMetrics {
  return { ...collected, scopeMetrics: collected.scopeMetrics.map((s) => ({ ...s, metrics: s.metrics.map(renamed) })) };
}
