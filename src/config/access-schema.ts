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

/** A data key for provider credentials: an id stored with each ciphertext, and where its 32 bytes are (file or env, never inline). */
export const dataKeySchema = z.union([
  z.strictObject({ id: z.string().regex(/^[A-Za-z0-9._-]{1,32}$/, 'letters, digits, ".", "_" or "-", at most 32'), filename: z.string().min(1) }),
  z.strictObject({ id: z.string().regex(/^[A-Za-z0-9._-]{1,32}$/, 'letters, digits, ".", "_" or "-", at most 32'), env: z.string().min(1) }),
]);

/** Per-project provider credentials, encrypted in the key store (off unless a data key is named). */
export const providerCredentialsSchema = z
  .strictObject({
    /** Encrypts new credentials; also decrypts those stored under its id. */
    dataKey: dataKeySchema,
    /** Decrypt only: credentials stored under an older key, until `project-credentials reencrypt` has run. */
    previousDataKeys: z.array(dataKeySchema).default([]),
  })
  .superRefine((v, ctx) => {
    const ids = [v.dataKey.id, ...v.previousDataKeys.map((k) => k.id)];
    const dup = ids.find((id, i) => ids.indexOf(id) !== i);
    if (dup !== undefined) ctx.addIssue({ code: 'custom', message: `data key id ${JSON.stringify(dup)} is used twice`, path: ['previousDataKeys'] });
  });

/** Key validation by an external HTTP service instead of the key store. */
export const externalKeysSchema = z.strictObject({
  /** The endpoint: POSTed `{"key": "<presented key>"}`, answers `{"allowed": …}`. */
  url: z.string().refine((u) => URL.canParse(u) && /^https?:$/.test(new URL(u).protocol), 'an http:// or https:// URL'),
  /** Sent as `Authorization: Bearer` to the endpoint. */
  token: secretRefSchema.optional(),
  /** Time budget of one call, ms. */
  timeoutMs: z.number().int().positive().max(60_000).default(250),
  cache: z
    .strictObject({
      /** An allowed answer is reused this long. */
      ttlMs: z.number().int().min(0).default(30_000),
      /** A denied answer is reused this long. */
      negativeTtlMs: z.number().int().min(0).default(5_000),
      maxEntries: z.number().int().positive().default(10_000),
    })
    .prefault({}),
  /** When the endpoint cannot answer: `closed` refuses (503), `open` lets the request through as {@link failOpenProject}. */
  failureMode: z.enum(['closed', 'open']).default('closed'),
  /** The project (and key id) a request let through by `failureMode: open` is recorded under. */
  failOpenProject: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/).default('unverified'),
});

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
    /** Provider credentials per project, encrypted at rest (docs/access-control.md). */
    providerCredentials: providerCredentialsSchema.optional(),
    /** Validate keys with an external HTTP service instead of the key store. */
    external: externalKeysSchema.optional(),
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
/** Parsed `auth.providerCredentials`. */
export type ProviderCredentialsConfig = z.infer<typeof providerCredentialsSchema>;
/** Parsed data key reference. */
export type DataKeyRef = z.infer<typeof dataKeySchema>;
/** Parsed `auth.external`. */
export type ExternalKeysConfig = z.infer<typeof externalKeysSchema>;
/** Parsed secret reference. */
export type SecretRef = z.infer<typeof secretRefSchema>;
