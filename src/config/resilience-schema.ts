/**
 * Config for resilience (docs/operations.md): Envoy's retries per rule (429-aware, with the
 * provider's wait), the per-backend circuit breaker of the ext_proc, Envoy's outlier detection,
 * CORS, and how the client address is found. The generated Envoy config reads these; so does the
 * per-attempt path (the retry budget it checks a provider's wait against) and routing (breakers).
 */
import { z } from 'zod';

const status = z.number().int().min(100).max(599);

const backOffSchema = z.strictObject({
  baseIntervalMs: z.number().int().positive().default(500),
  maxIntervalMs: z.number().int().positive().default(5000),
});

/** Retry settings of every rule route (`resilience.retry`). */
export const retrySchema = z.strictObject({
  /** Retries after the first attempt. */
  numRetries: z.number().int().min(0).max(10).default(2),
  /** Statuses Envoy retries besides 5xx, resets and connect failures (`retriable_status_codes`). */
  retriableStatusCodes: z.array(status).default([429]),
  /** Statuses whose provider wait (`retry-after`, reset headers) is honoured. */
  rateLimitedStatuses: z.array(status).default([429, 503]),
  /** Longest provider wait worth a retry; a longer one returns the response to the client. */
  maxRateLimitWaitMs: z.number().int().min(1000).default(30_000),
  /** Bound on each attempt until response headers arrive (Envoy `per_try_timeout`); unset: none. */
  perTryTimeoutMs: z.number().int().positive().optional(),
  /** Envoy's exponential back-off between attempts when no wait is named. */
  backOff: backOffSchema.prefault({}),
  /** Retry budget per cluster: retries may be at most this share of active requests. */
  budgetPercent: z.number().min(0).max(100).default(20),
  /** Retries always allowed regardless of the budget. */
  minRetryConcurrency: z.number().int().min(0).default(10),
});

/** A rule's own retry settings (`rules[].retry`): each key overrides `resilience.retry`. */
export const ruleRetrySchema = z.strictObject({
  numRetries: z.number().int().min(0).max(10).optional(),
  retriableStatusCodes: z.array(status).optional(),
  rateLimitedStatuses: z.array(status).optional(),
  maxRateLimitWaitMs: z.number().int().min(1000).optional(),
  perTryTimeoutMs: z.number().int().positive().optional(),
});

/** The ext_proc's circuit breaker per backend (`resilience.breaker`). */
export const breakerSchema = z.strictObject({
  enabled: z.boolean().default(false),
  /** Consecutive transient failures that open a backend's breaker. */
  failureThreshold: z.number().int().min(1).default(5),
  /** How long an open breaker refuses requests before one probe goes through. */
  cooldownMs: z.number().int().min(100).default(30_000),
  /** Statuses that count as transient failures. */
  failureStatuses: z.array(status).default([429, 500, 502, 503, 504]),
});

/** Envoy outlier detection on clusters with more than one host (`resilience.outlierDetection`). */
export const outlierDetectionSchema = z.strictObject({
  enabled: z.boolean().default(true),
  consecutive5xx: z.number().int().min(1).default(5),
  /** Consecutive connect failures and resets (locally originated errors). */
  consecutiveLocalOriginFailure: z.number().int().min(1).default(5),
  intervalMs: z.number().int().positive().default(10_000),
  baseEjectionTimeMs: z.number().int().positive().default(30_000),
  maxEjectionPercent: z.number().int().min(0).max(100).default(50),
});

/** `resilience`. */
export const resilienceSchema = z
  .strictObject({
    retry: retrySchema.prefault({}),
    breaker: breakerSchema.prefault({}),
    outlierDetection: outlierDetectionSchema.prefault({}),
  })
  .prefault({});

const origin = z
  .string()
  .min(1)
  .refine((o) => o === '*' || /^[a-z][a-z0-9+.-]*:\/\/(\*\.)?[^/*\s]+$/i.test(o), 'an origin is *, scheme://host[:port] or scheme://*.domain');

/** The global CORS policy (`cors`), answered by Envoy. */
export const corsSchema = z.strictObject({
  allowOrigins: z.array(origin).min(1),
  allowMethods: z.array(z.string().min(1).transform((m) => m.toUpperCase())).default(['GET', 'POST', 'OPTIONS']),
  allowHeaders: z.array(z.string().min(1).transform((h) => h.toLowerCase())).default(['authorization', 'content-type', 'x-api-key', 'api-key', 'anthropic-version', 'anthropic-beta', 'openai-organization', 'openai-project']),
  exposeHeaders: z.array(z.string().min(1).transform((h) => h.toLowerCase())).default(['x-request-id', 'retry-after']),
  maxAgeSeconds: z.number().int().min(0).default(600),
  allowCredentials: z.boolean().default(false),
});

/** A rule's CORS narrowing (`rules[].cors`), enforced by llm-extproc on routed requests. */
export const ruleCorsSchema = z.strictObject({
  allowOrigins: z.array(origin).min(1),
  allowMethods: z.array(z.string().min(1).transform((m) => m.toUpperCase())).optional(),
  allowHeaders: z.array(z.string().min(1).transform((h) => h.toLowerCase())).optional(),
});

/** How Envoy finds the client address (`clientAddress`). */
export const clientAddressSchema = z
  .strictObject({
    /** Trust the connection's peer address (Envoy `use_remote_address`). */
    useRemoteAddress: z.boolean().default(true),
    /** Proxies in front of Envoy whose `x-forwarded-for` entries are trusted (`xff_num_trusted_hops`). */
    xffNumTrustedHops: z.number().int().min(0).max(10).default(0),
  })
  .prefault({});

/** Parsed `resilience`. */
export type ResilienceConfig = z.infer<typeof resilienceSchema>;
/** Parsed `resilience.retry`. */
export type RetryConfig = z.infer<typeof retrySchema>;
/** Parsed `rules[].retry`. */
export type RuleRetryConfig = z.infer<typeof ruleRetrySchema>;
/** Parsed `cors`. */
export type CorsConfig = z.infer<typeof corsSchema>;
/** Parsed `rules[].cors`. */
export type RuleCorsConfig = z.infer<typeof ruleCorsSchema>;

/** The retry settings of one rule: its own over the global ones. */
export function effectiveRetry(global: RetryConfig, rule: RuleRetryConfig | undefined): RetryConfig {
  if (!rule) return global;
  const own = Object.fromEntries(Object.entries(rule).filter(([, v]) => v !== undefined));
  return { ...global, ...own };
}
