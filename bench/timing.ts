/**
 * In-process timing of a synchronous operation: warm it up, then time batches of calls until each
 * batch lasts long enough to read, over several rounds, and keep the median time per call.
 * Two operations compared are timed in alternating rounds, so drift hits both alike.
 */
import { median } from './stats.js';

/** Time per call of each operation (ns), median over rounds. */
export interface PairTiming {
  readonly aNs: number;
  readonly bNs: number;
}

function batchNs(fn: () => unknown, calls: number): number {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) fn();
  return Number(process.hrtime.bigint() - t0) / calls;
}

function callsFor(fn: () => unknown, batchMs: number): number {
  let calls = 1;
  for (;;) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) fn();
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (ms >= batchMs / 4 || calls >= 1 << 24) return Math.max(1, Math.ceil((calls * batchMs) / Math.max(ms, 1e-3)));
    calls *= 4;
  }
}

/**
 * Times `a` and `b` in alternating rounds (`rounds` each, batches of about `batchMs`) after a
 * warm-up, and returns the median ns per call of each.
 */
export function timePair(a: () => unknown, b: () => unknown, opts: { rounds?: number; batchMs?: number } = {}): PairTiming {
  const rounds = opts.rounds ?? 7;
  const batchMs = opts.batchMs ?? 100;
  // Warm-up: reach optimised code for both before anything is recorded.
  const ca = callsFor(a, batchMs);
  const cb = callsFor(b, batchMs);
  batchNs(a, ca);
  batchNs(b, cb);
  const as: number[] = [];
  const bs: number[] = [];
  for (let r = 0; r < rounds; r++) {
    as.push(batchNs(a, ca));
    bs.push(batchNs(b, cb));
  }
  return { aNs: median(as), bNs: median(bs) };
}
