/**
 * Config for access control and request policy: gateway keys (`auth`), the key store, the admin
 * API token, and request policy (global and per rule).
 */
import { z } from 'zod';

/** Where a secret comes from: a file (re-read on change), an environment variable, or a literal. */
export const secretRefSchema = z.union([
  z.strictObject({ filename: z.string().min(1) }),
  z.strictObject({ env: z.string().min(1) }),
  z.strictObject({ key: z.string().min(1) }),
]);

/** The key store: SQLite file (default, no server) or PostgreSQL (several replicas). */
export const storeSchema = z
  .discriminatedUnion('driver', [
    z.strictObject({ driver: z.literal('sqlite'), path: z.string().min(1).default('./llm-extproc.db') }),
    z.strictObject({ driver: z.literal('postgres'), url: secretRefSchema }),
  ])
  .default({ driver: 'sqlite', path: './llm-extproc.db' });

/** Gateway-key authentication (off by default). */
export const authSchema = z
  .strictObject({
    /** Require a gateway key on every rule unless the rule says otherwise. */
    enabled: z.boolean().default(false),
    store: storeSchema,
    cache: z
      .strictObject({
        ttlMs: z.number().int().min(0).default(5_000),
        negativeTtlMs: z.number().int().min(0).default(1_000),
        maxEntries: z.number().int().positive().default(10_000),
      })
      .prefault({}),
  })
  .prefault({});

/** Request policy: what a request may look like. */
export const policySchema = z.strictObject({
  allowedPaths: z.array(z.string().min(1)).optional(),
  allowedMethods: z.array(z.string().min(1)).optional(),
  requiredHeaders: z.array(z.string().min(1)).optional(),
  body: z
    .strictObject({
      /** field → allowed values. */
      allowedValues: z.record(z.string(), z.array(z.unknown())).optional(),
      /** numeric field → maximum, e.g. `{ max_tokens: 4096 }`. */
      maximums: z.record(z.string(), z.number()).optional(),
      /** fields that must not be present (403). */
      forbiddenFields: z.array(z.string().min(1)).optional(),
    })
    .optional(),
  requestHeaders: z
    .strictObject({ add: z.record(z.string(), z.string()).optional(), remove: z.array(z.string()).optional() })
    .optional(),
  responseHeaders: z
    .strictObject({ add: z.record(z.string(), z.string()).optional(), remove: z.array(z.string()).optional() })
    .optional(),
});

/** Per-rule access settings. */
export const ruleAccessSchema = z.strictObject({
  /** Override `auth.enabled` for this rule. */
  required: z.boolean().optional(),
});

/** Parsed `auth`. */
export type AuthConfig = z.infer<typeof authSchema>;
/** Parsed policy. */
export type PolicyConfig = z.infer<typeof policySchema>;
/** Parsed secret reference. */
export type SecretRef = z.infer<typeof secretRefSchema>;
