/**
 * Durations such as `30d`, `12h`, `90m`, `45s`, `2w` (for key expiry), in milliseconds.
 */

const UNITS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** Milliseconds of `text`, or undefined when it is not `<positive integer><s|m|h|d|w>`. */
export function parseDuration(text: string): number | undefined {
  const m = /^([1-9][0-9]{0,6})([smhdw])$/.exec(text.trim());
  return m ? Number(m[1]) * UNITS[m[2]!]! : undefined;
}
