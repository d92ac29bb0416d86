/**
 * Config for rate limits (`rateLimits`): requests and tokens per minute per gateway key,
 * project, model and rule, and combinations; counters in memory (one replica) or in Redis
 * (shared by replicas). See docs/rate-limits.md.
 */
import { z } from 'zod';
import { secretRefSchema } from './access-schema.js';

/** What a limit counts per: one counter per distinct combination of these facts of a request. */
export const LIMIT_DIMENSIONS = ['key', 'project', 'model', 'rule'] as const;

/** One limit. */
export const rateLimitSchema = z
  .strictObject({
    /** Name in metrics, logs and the admin API; unique. */
    name: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, _ . - only'),
    /** The facts a counter is kept per (`[]`: one counter for the whole gateway). */
    per: z.array(z.enum(LIMIT_DIMENSIONS)).default([]),
    /** Requests admitted per sliding minute. */
    requestsPerMinute: z.number().int().positive().optional(),
    /** Tokens per sliding minute: a subject over it is refused until its usage slides below. */
    tokensPerMinute: z.number().int().positive().optional(),
    /** Which tokens count against `tokensPerMinute`. */
    tokens: z.enum(['total', 'input', 'output']).default('total'),
    /** Only requests routed to these rules (default: all). */
    rules: z.array(z.string().min(1)).optional(),
    /** Only requests for models matching these globs (default: all). */
    models: z.array(z.string().min(1)).optional(),
  })
  .refine((l) => l.requestsPerMinute !== undefined || l.tokensPerMinute !== undefined, 'a limit needs requestsPerMinute, tokensPerMinute or both');

/** Parsed `rateLimits.limits[]` entry. */
export type RateLimitConfig = z.infer<typeof rateLimitSchema>;

/** Rate limits. */
export const rateLimitsSchema = z
  .strictObject({
    /** Where counters live: `memory` (this replica only) or `redis` (shared by every replica). */
    store: z.enum(['memory', 'redis']).default('memory'),
    redis: z
      .strictObject({
        /** `redis://` or `rediss://` URL (credentials may be in it): from a file, an env variable or inline. */
        url: secretRefSchema,
        /** Prefix of every key. */
        keyPrefix: z.string().default('llm-extproc:rl:'),
        /** Password, when not in the URL. */
        password: secretRefSchema.optional(),
        /** Use TLS even for a `redis://` URL. */
        tls: z.boolean().default(false),
        /**
         * Leases (src/rate-limits/leased-store.ts): a replica takes `fraction` of a request limit
         * (at least 1) from Redis at once and admits from it without a round trip; token counters
         * are answered from a view synced every `syncMs`. Never admits more than a limit across
         * replicas; a subject may be refused up to replicas × fraction of its limit early, and
         * tokens charged on other replicas are seen up to 2 × `syncMs` late. `false` (or fraction 0):
         * one round trip per request, exact.
         */
        lease: z
          .union([
            z.literal(false),
            z.strictObject({
              /** Share of a request limit one lease takes (at least one request). */
              fraction: z.number().min(0).max(1).default(0.01),
            }),
          ])
          .default({ fraction: 0.01 }),
        /** With leases: how often a replica sends its token charges and reads back the token counters in use. */
        syncMs: z.number().int().positive().default(50),
      })
      .optional(),
    /** Redis unreachable or slower than `timeoutMs`: `open` admits the request (counted, logged), `closed` answers 503. */
    failureMode: z.enum(['open', 'closed']).default('open'),
    /** Time budget of one counter round trip. */
    timeoutMs: z.number().int().positive().default(50),
    limits: z.array(rateLimitSchema).default([]),
  })
  .refine((r) => r.store !== 'redis' || r.redis !== undefined, { message: 'rateLimits.store redis needs rateLimits.redis.url', path: ['redis'] })
  .refine((r) => new Set(r.limits.map((l) => l.name)).size === r.limits.length, { message: 'limit names must be unique', path: ['limits'] })
  .prefault({});
