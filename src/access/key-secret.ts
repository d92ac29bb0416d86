/**
 * Gateway-key secrets: `lxk_<id>_<random>`. The id (16 hex characters) is not secret and finds
 * the stored record; the whole secret is stored only as its sha256 and checked with a
 * constant-time comparison.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const SECRET = /^lxk_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

/** A new key's id and secret (the secret is shown once). */
export interface NewSecret {
  readonly id: string;
  readonly secret: string;
}

/** Generates a key id and its secret (128 bits of id-space, 256 bits of secret). */
export function generateSecret(random: (n: number) => Buffer = randomBytes): NewSecret {
  const id = random(8).toString('hex');
  return { id, secret: `lxk_${id}_${random(32).toString('base64url')}` };
}

/** The key id inside a well-formed secret, else undefined. */
export function keyIdOf(secret: string): string | undefined {
  return SECRET.exec(secret)?.[1];
}

/** sha256 hex of a secret: what the store keeps. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/**
 * Constant-time equality of two sha256 hex digests. Inputs of another length compare unequal
 * after a comparison of the same cost, so the time never depends on where they differ.
 */
export function hashesEqual(a: string, b: string): boolean {
  const x = Buffer.from(a.padEnd(64, '0').slice(0, 64), 'utf8');
  const y = Buffer.from(b.padEnd(64, '0').slice(0, 64), 'utf8');
  return timingSafeEqual(x, y) && a.length === 64 && b.length === 64;
}
