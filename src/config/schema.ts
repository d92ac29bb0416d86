/**
 * The configuration schema: our keys plus every key of an Envoy AI Gateway v0.2 filter config,
 * so such a file works unchanged. Validated with zod; see docs/configuration.md for each key.
 */
import { z } from 'zod';
import { authSchema, policySchema, ruleAccessSchema, secretRefSchema } from './access-schema.js';
import { budgetSchema, ledgerSchema, pricingSchema } from './ledger-schema.js';
import { cacheSchema, ruleCacheSchema } from './cache-schema.js';
import { promptCachingSchema } from './prompt-caching-schema.js';
import { clientAddressSchema, corsSchema, resilienceSchema, ruleCorsSchema, ruleRetrySchema } from './resilience-schema.js';
import { rateLimitsSchema } from './rate-limits-schema.js';

const MiB = 1024 * 1024;
/** Largest value of an HTTP/2 session option (Node passes them to nghttp2 as 32-bit integers). */
const UINT32_MAX = 2 ** 32 - 1;

/** Header matcher, Envoy style (`exact`, `prefix`, …) or Gateway API / AI Gateway v0.2 style (`type`). */
export const headerMatcherSchema = z
  .strictObject({
    name: z.string().min(1).transform((s) => s.toLowerCase()),
    // Gateway API / AI Gateway v0.2 form
    type: z.enum(['Exact', 'RegularExpression']).optional(),
    value: z.string().optional(),
    // Envoy route HeaderMatcher form
    exact: z.string().optional(),
    prefix: z.string().optional(),
    suffix: z.string().optional(),
    contains: z.string().optional(),
    safeRegex: z.union([z.string(), z.strictObject({ regex: z.string() })]).optional(),
    present: z.boolean().optional(),
    invert: z.boolean().default(false),
    ignoreCase: z.boolean().default(false),
  })
  .superRefine((m, ctx) => {
    const kinds = ['type', 'exact', 'prefix', 'suffix', 'contains', 'safeRegex', 'present'].filter(
      (k) => m[k as keyof typeof m] !== undefined,
    );
    // Gateway API HTTPHeaderMatch (AI Gateway v0.2 `rules[].headers[]`): `type` defaults to Exact.
    const impliedExact = kinds.length === 0 && m.value !== undefined;
    if (kinds.length !== 1 && !impliedExact) {
      ctx.addIssue({
        code: 'custom',
        message: `a header matcher needs exactly one of type, exact, prefix, suffix, contains, safeRegex, present (got ${kinds.length ? kinds.join(', ') : 'none'})`,
      });
    }
    if (m.type !== undefined && m.value === undefined) {
      ctx.addIssue({ code: 'custom', path: ['value'], message: `type ${m.type} needs a value` });
    }
    if (m.type === undefined && m.value !== undefined && kinds.length > 0) {
      ctx.addIssue({ code: 'custom', path: ['value'], message: `value is used with type (Exact or RegularExpression), not with ${kinds.join(', ')}` });
    }
    const regex = m.type === 'RegularExpression' ? m.value : typeof m.safeRegex === 'string' ? m.safeRegex : m.safeRegex?.regex;
    if (regex !== undefined) {
      try {
        new RegExp(regex);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: `invalid regular expression: ${(err as Error).message}` });
      }
    }
  })
  .transform((m) => (m.type === undefined && m.value !== undefined ? { ...m, type: 'Exact' as const } : m));

/** An API schema name as AI Gateway v0.2 spells it, plus the ones we add. */
export const schemaNameSchema = z.enum([
  'OpenAI',
  'AWSBedrock',
  'AzureOpenAI',
  'GCPVertexAI',
  'GCPAnthropic',
  'GCPGemini',
  'Anthropic',
  // Claude on Bedrock InvokeModel (a later AI Gateway name); AWSBedrock means Converse for OpenAI clients.
  'AWSAnthropic',
]);

const versionedSchema = z.strictObject({ name: schemaNameSchema, version: z.string().optional() });

/** A backend of a rule (AI Gateway v0.2 `rules[].backends[]`, plus the upstream address for generated Envoy clusters). */
export const backendSchema = z.strictObject({
  name: z.string().min(1),
  schema: versionedSchema.optional(),
  modelNameOverride: z.string().optional(),
  host: z.string().min(1).optional(),
  port: z.number().int().min(1).max(65535).optional(),
  tls: z.boolean().optional(),
  promptCaching: promptCachingSchema.optional(),
  weight: z.number().int().min(0).optional(),
  /** Failover order: 0 first; a rule whose backends have several priorities falls back across them. */
  priority: z.number().int().min(0).max(127).optional(),
  auth: z
    .strictObject({
      apiKey: secretRefSchema.optional(),
      aws: z
        .strictObject({
          credentialFileName: z.string().optional(),
          credentialFileLiteral: z.string().optional(),
          region: z.string(),
        })
        .optional(),
      azure: z.strictObject({ accessToken: z.string().optional(), filename: z.string().optional() }).optional(),
      // AI Gateway v0.2: an OAuth access token its controller obtains and rotates; region and
      // project name build the Vertex AI paths of translated requests (src/translation).
      gcp: z
        .looseObject({ accessToken: z.string().optional(), filename: z.string().optional(), region: z.string().optional(), projectName: z.string().optional() })
        .optional(),
    })
    .optional(),
});

/** A route rule: all matchers must hold; first matching rule wins. */
export const ruleSchema = z
  .strictObject({
    name: z.string().min(1),
    headers: z.array(headerMatcherSchema).default([]),
    backends: z.array(backendSchema).default([]),
    /** Access settings of this rule (gateway keys). */
    access: ruleAccessSchema.optional(),
    /** Request policy of this rule, applied after the global one. */
    policy: policySchema.optional(),
    promptCaching: promptCachingSchema.optional(),
    /** Retry settings of this rule's route, over `resilience.retry`. */
    retry: ruleRetrySchema.optional(),
    /** Browser origins allowed on this rule, narrowing the global `cors`. */
    cors: ruleCorsSchema.optional(),
    /** Response cache settings of this rule (docs/response-cache.md). */
    cache: ruleCacheSchema.optional(),
  })
  .superRefine((rule, ctx) => {
    if (new Set(rule.backends.map((b) => b.priority ?? 0)).size < 2) return;
    // A failover rule names its backends in routes and endpoint metadata (see src/resilience/backend-sets.ts).
    const names = rule.backends.map((b) => b.name);
    if (new Set(names).size !== names.length) ctx.addIssue({ code: 'custom', path: ['backends'], message: 'backends of a rule with priorities need distinct names' });
    for (const [i, n] of names.entries()) {
      if (n.includes(',')) ctx.addIssue({ code: 'custom', path: ['backends', i, 'name'], message: 'a backend name of a rule with priorities may not contain ","' });
    }
  });

/** `llmRequestCosts[]` entry (AI Gateway v0.2): what to write into dynamic metadata at end of response. */
export const requestCostSchema = z
  .strictObject({
    metadataKey: z.string().min(1),
    type: z.enum(['InputToken', 'CachedInputToken', 'OutputToken', 'TotalToken', 'CEL']),
    celExpression: z.string().optional(),
    cel: z.string().optional(),
  })
  .superRefine((c, ctx) => {
    if (c.type === 'CEL' && !c.celExpression && !c.cel) {
      ctx.addIssue({ code: 'custom', path: ['celExpression'], message: 'type CEL needs celExpression' });
    }
  });

/** A user module reference (router or metrics). */
const moduleRef = z.strictObject({
  module: z.string().min(1).optional(),
  options: z.record(z.string(), z.unknown()).default({}),
});

/** The whole configuration. */
export const configSchema = z.strictObject({
  // --- AI Gateway v0.2 filter config keys ---
  uuid: z.string().optional(),
  schema: versionedSchema.default({ name: 'OpenAI' }),
  selectedRouteHeaderKey: z.string().min(1).default('x-ai-eg-selected-route').transform((s) => s.toLowerCase()),
  modelNameHeaderKey: z.string().min(1).default('x-ai-eg-model').transform((s) => s.toLowerCase()),
  metadataNamespace: z.string().min(1).default('io.envoy.ai_gateway'),
  rules: z.array(ruleSchema).default([]),
  llmRequestCosts: z.array(requestCostSchema).default([]),
  // --- ours ---
  grpc: z
    .strictObject({
      address: z.string().min(1).default('0.0.0.0:50051'),
      maxMessageBytes: z.number().int().positive().default(64 * MiB),
      /**
       * RST_STREAM frames one HTTP/2 connection may send (a token bucket: this many at once,
       * refilled at `streamResetsPerSecond`); past it the connection is closed. Envoy resets
       * every ext_proc stream as it ends, so this must exceed the requests of one connection.
       */
      streamResetBurst: z.number().int().positive().max(UINT32_MAX).default(10_000),
      streamResetsPerSecond: z.number().int().positive().max(UINT32_MAX).default(10_000),
    })
    .prefault({}),
  admin: z
    .strictObject({
      address: z.string().min(1).default('0.0.0.0:9464'),
      /** Serve the read-only /debug/* endpoints. */
      debug: z.boolean().default(false),
      /** How many recent routing decisions /debug/decisions keeps. */
      recentDecisions: z.number().int().min(0).max(10_000).default(100),
      /** Enables the key/project admin API; requests must carry it as a Bearer token. */
      token: secretRefSchema.optional(),
    })
    .prefault({}),
  limits: z
    .strictObject({
      maxBodyBytes: z.number().int().positive().default(32 * MiB),
      /** Cap on a response body's decompressed size while observing it (a compression bomb stops there). */
      maxDecodedResponseBytes: z.number().int().positive().default(64 * MiB),
    })
    .prefault({}),
  apis: z
    .strictObject({
      pathPrefix: z
        .string()
        .default('')
        .refine((p) => p === '' || (p.startsWith('/') && !p.endsWith('/')), 'pathPrefix must start with / and not end with /'),
      unknownPaths: z.enum(['passthrough', 'reject']).default('passthrough'),
    })
    .prefault({}),
  models: z
    .array(z.strictObject({ name: z.string().min(1), ownedBy: z.string().optional(), created: z.number().int().optional() }))
    .default([]),
  router: moduleRef
    .extend({
      timeoutMs: z.number().int().positive().default(100),
      failureMode: z.enum(['closed', 'open']).default('closed'),
    })
    .prefault({}),
  /** Users' request-path hooks, in order (docs/extending.md): run after the built-in access hooks. */
  hooks: z
    .array(
      z.strictObject({
        module: z.string().min(1),
        options: z.record(z.string(), z.unknown()).default({}),
        /** Time budget of each asynchronous call of the hook. */
        timeoutMs: z.number().int().positive().default(200),
        /** A throw, an overrun or a malformed answer: `closed` answers 503, `open` skips the hook for that call. */
        failureMode: z.enum(['closed', 'open']).default('closed'),
      }),
    )
    .default([]),
  metrics: moduleRef
    .extend({
      requestHeaderAttributes: z.record(z.string(), z.string()).default({}),
      maxAttributeValues: z.number().int().positive().default(100),
    })
    .prefault({}),
  auth: authSchema,
  /** Usage ledger, prices and budgets (docs/ledger.md). */
  ledger: ledgerSchema,
  /** Requests and tokens per minute (docs/rate-limits.md). */
  rateLimits: rateLimitsSchema,
  pricing: pricingSchema,
  budgets: z.array(budgetSchema).default([]),
  /** Response cache (docs/response-cache.md). */
  cache: cacheSchema,
  /** Global request policy. */
  policy: policySchema.optional(),
  /** Retries, circuit breakers and outlier detection (docs/operations.md). */
  resilience: resilienceSchema,
  /** CORS policy answered by Envoy (preflights included); unset: no CORS. */
  cors: corsSchema.optional(),
  /** How Envoy finds the client address. */
  clientAddress: clientAddressSchema,
  streaming: z
    .strictObject({
      /** Inject `stream_options.include_usage` into OpenAI streaming requests and strip the injected chunk. */
      injectUsage: z.boolean().default(true),
    })
    .prefault({}),
  shutdown: z
    .strictObject({
      drainTimeoutMs: z.number().int().min(0).default(30_000),
      preStopDelayMs: z.number().int().min(0).default(0),
    })
    .prefault({}),
  reload: z
    .strictObject({
      /** A reloaded file must read the same twice this far apart (ms) before it is applied (src/config/reload-read.ts). */
      settleMs: z.number().int().min(0).max(10_000).default(200),
    })
    .prefault({}),
  readiness: z
    .strictObject({
      /** Readiness (/readyz, gRPC health) fails while the event loop's lag stays above this (ms); 0 turns the check off. */
      maxEventLoopLagMs: z.number().int().min(0).default(1000),
    })
    .prefault({}),
  log: z
    .strictObject({
      level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
      prompts: z.boolean().default(false),
    })
    .prefault({}),
});

/** Parsed configuration (frozen once loaded). */
export type Config = z.infer<typeof configSchema>;
/** A parsed header matcher. */
export type HeaderMatcherConfig = z.infer<typeof headerMatcherSchema>;
/** A parsed rule. */
export type RuleConfig = z.infer<typeof ruleSchema>;
/** A parsed backend. */
export type BackendConfig = z.infer<typeof backendSchema>;
/** A parsed `llmRequestCosts[]` entry. */
export type RequestCostConfig = z.infer<typeof requestCostSchema>;
