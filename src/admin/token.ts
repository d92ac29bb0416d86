/**
 * The admin token check.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

/** Constant-time equality of two tokens of any length (admin token check). */
export function tokensEqual(presented: string, expected: string): boolean {
  // Comparing digests gives equal-length inputs whatever the token lengths.
  return timingSafeEqual(createHash('sha256').update(presented).digest(), createHash('sha256').update(expected).digest());
}
