/**
 * Config for the response cache (`cache`, and a rule's `cache`). See docs/response-cache.md.
 */
import { z } from 'zod';
import { secretRefSchema } from './access-schema.js';

const MiB = 1024 * 1024;

/** What a rule may set for itself; unset keys take the global `cache` value. */
export const ruleCacheSchema = z.strictObject({
  /** Cache this rule's responses (overrides `cache.enabled`). */
  enabled: z.boolean().optional(),
  /** How long a stored response is served. */
  ttlSeconds: z.number().int().positive().optional(),
  /** `always`, or `deterministic`: only requests with temperature 0 or a seed set. */
  mode: z.enum(['always', 'deterministic']).optional(),
  /** `project`: entries never cross projects; `shared`: one entry for every caller. */
  scope: z.enum(['project', 'shared']).optional(),
  /** Top-level body fields left out of the key (they cannot change the answer). */
  ignoreFields: z.array(z.string().min(1)).optional(),
  /** `separate`: streaming and whole responses are distinct entries; `shared`: one entry serves both forms. */
  streamKeys: z.enum(['separate', 'shared']).optional(),
});

/** A response store loaded from a module (docs/extending.md, "Response store modules"). */
export const storeModuleSchema = z.strictObject({
  /** File path (relative to the config file) or package name. */
  module: z.string().min(1),
  /** Handed to the module's factory, checked by its `optionsSchema` when it exports one. */
  options: z.record(z.string(), z.unknown()).default({}),
});

/** The response cache (off by default). */
export const cacheSchema = z
  .strictObject({
    /** Cache every rule's responses unless the rule says otherwise. */
    enabled: z.boolean().default(false),
    /** Where entries live: this process's memory, Redis shared by replicas, or a store module of the user's. */
    store: z.union([z.enum(['memory', 'redis']), storeModuleSchema]).default('memory'),
    /** Memory store: total size of the entries kept (least recently used go first). */
    maxBytes: z.number().int().positive().default(64 * MiB),
    /** Larger responses are not stored. */
    maxObjectBytes: z.number().int().positive().default(1 * MiB),
    ttlSeconds: z.number().int().positive().default(300),
    mode: z.enum(['always', 'deterministic']).default('always'),
    scope: z.enum(['project', 'shared']).default('project'),
    ignoreFields: z.array(z.string().min(1)).default(['user', 'stream_options']),
    streamKeys: z.enum(['separate', 'shared']).default('separate'),
    /** Store responses to requests that carried the client's own provider credential. */
    clientCredentials: z.boolean().default(false),
    /** Longest wait for a store lookup; past it the request is a miss. */
    lookupTimeoutMs: z.number().int().positive().default(5),
    /** An identical request arriving while one is upstream waits this long for its response (0: off). */
    collapseWaitMs: z.number().int().min(0).default(0),
    /** Projects and gateway key ids that never use the cache. */
    deny: z
      .strictObject({
        projects: z.array(z.string().min(1)).default([]),
        keys: z.array(z.string().min(1)).default([]),
      })
      .prefault({}),
    redis: z
      .strictObject({
        /** `redis://` or `rediss://` (TLS) URL; may carry user and password. */
        url: secretRefSchema.optional(),
        /** Password, when not in the URL. */
        password: secretRefSchema.optional(),
        keyPrefix: z.string().default('llm-extproc:cache:'),
        tls: z
          .strictObject({
            /** Use TLS even for a `redis://` URL. */
            enabled: z.boolean().default(false),
            /** PEM file of the CA that signed the server's certificate (relative to the config file). */
            caFile: z.string().min(1).optional(),
            /** Check the server's certificate. */
            rejectUnauthorized: z.boolean().default(true),
          })
          .prefault({}),
        /** Connection timeout. */
        connectTimeoutMs: z.number().int().positive().default(2_000),
      })
      .prefault({}),
  })
  .prefault({})
  .superRefine((c, ctx) => {
    if (c.store === 'redis' && !c.redis.url) ctx.addIssue({ code: 'custom', path: ['redis', 'url'], message: 'cache.store redis needs cache.redis.url' });
    if (c.maxObjectBytes > c.maxBytes) ctx.addIssue({ code: 'custom', path: ['maxObjectBytes'], message: 'cache.maxObjectBytes must not exceed cache.maxBytes' });
  });

/** Parsed `cache`. */
export type CacheConfig = z.infer<typeof cacheSchema>;
/** Parsed `cache.store` naming a module. */
export type StoreModuleConfig = z.infer<typeof storeModuleSchema>;
/** Parsed `rules[].cache`. */
export type RuleCacheConfig = z.infer<typeof ruleCacheSchema>;
