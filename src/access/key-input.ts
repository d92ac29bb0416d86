/**
 * Validation of key and project input shared by the admin API and the CLI: names, model globs,
 * rules, expiry (an ISO time or a duration from now) and request limits.
 */
import { z } from 'zod';
import { parseDuration } from './duration.js';
import type { KeyPatch } from './store.js';

/** Project names: letters, digits, `.`, `_`, `-`; up to 64. */
export const projectNameSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'project names are 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit');

const keyName = z.string().min(1).max(200);
const patterns = z.array(z.string().min(1).max(200)).max(100);
const expiresAt = z.union([z.iso.datetime({ offset: true }), z.null()]);
const expiresIn = z.string().refine((s) => parseDuration(s) !== undefined, 'expiresIn is a duration such as 30d, 12h, 90m');
const maxRequests = z.union([z.number().int().positive().max(Number.MAX_SAFE_INTEGER), z.null()]);

/** A key's or project's own per-minute limits (null: clear, the config's apply). */
export const rateLimitsInput = z.union([
  z
    .strictObject({
      requestsPerMinute: z.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional(),
      tokensPerMinute: z.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional(),
    })
    .refine((l) => l.requestsPerMinute !== undefined || l.tokensPerMinute !== undefined, 'give requestsPerMinute, tokensPerMinute or both (null clears)'),
  z.null(),
]);

/** Body of a key creation. */
export const createKeySchema = z.strictObject({
  project: projectNameSchema,
  name: keyName,
  allowedModels: patterns.optional(),
  allowedRules: patterns.optional(),
  expiresAt: expiresAt.optional(),
  expiresIn: expiresIn.optional(),
  maxRequests: maxRequests.optional(),
  rateLimits: rateLimitsInput.optional(),
});

/** Body of a key update. */
export const updateKeySchema = z.strictObject({
  name: keyName.optional(),
  allowedModels: patterns.optional(),
  allowedRules: patterns.optional(),
  expiresAt: expiresAt.optional(),
  expiresIn: expiresIn.optional(),
  maxRequests: maxRequests.optional(),
  rateLimits: rateLimitsInput.optional(),
});

/** Body of a project update. */
export const updateProjectSchema = z.strictObject({ rateLimits: rateLimitsInput });

/** Expiry in ms from `expiresAt`/`expiresIn` (both given: an error); undefined when neither. */
export function expiryOf(input: { expiresAt?: string | null | undefined; expiresIn?: string | undefined }, now: number): number | null | undefined {
  if (input.expiresAt !== undefined && input.expiresIn !== undefined) throw new Error('give expiresAt or expiresIn, not both');
  if (input.expiresIn !== undefined) return now + parseDuration(input.expiresIn)!;
  if (input.expiresAt === undefined) return undefined;
  return input.expiresAt === null ? null : Date.parse(input.expiresAt);
}

/** The store patch of a validated update. */
export function patchOf(input: z.infer<typeof updateKeySchema>, now: number): KeyPatch {
  const expires = expiryOf(input, now);
  return {
    ...(input.name !== undefined ? { name: input.name } : {}),
    ...(input.allowedModels !== undefined ? { allowedModels: input.allowedModels } : {}),
    ...(input.allowedRules !== undefined ? { allowedRules: input.allowedRules } : {}),
    ...(input.maxRequests !== undefined ? { maxRequests: input.maxRequests } : {}),
    ...(input.rateLimits !== undefined ? { rateLimits: input.rateLimits } : {}),
    ...(expires !== undefined ? { expiresAt: expires } : {}),
  };
}

/** A readable one-line message of a zod error. */
export function describeZodError(err: z.ZodError): string {
  return err.issues.map((i) => `${i.path.length ? i.path.join('.') + ': ' : ''}${i.message}`).join('; ');
}
