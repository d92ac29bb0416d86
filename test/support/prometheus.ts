/**
 * Reads values out of Prometheus exposition text for assertions.
 */

function labelsOf(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of text.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) out[m[1]!] = m[2]!.replace(/\\(.)/g, '$1');
  return out;
}

/** Sum of the samples of `metric` (exact sample name) whose labels include `match`. */
export function sampleSum(text: string, metric: string, match: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${metric}{`) && !line.startsWith(`${metric} `)) continue;
    const brace = line.indexOf('}');
    const labels = brace > 0 ? labelsOf(line.slice(metric.length + 1, brace)) : {};
    if (Object.entries(match).every(([k, v]) => labels[k] === v)) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

/** Sum of `<histogram>_sum` across matching series. */
export function histogramSum(text: string, histogram: string, match: Record<string, string> = {}): number {
  return sampleSum(text, `${histogram}_sum`, match);
}

/** Sum of `<histogram>_count` across matching series. */
export function histogramCount(text: string, histogram: string, match: Record<string, string> = {}): number {
  return sampleSum(text, `${histogram}_count`, match);
}
