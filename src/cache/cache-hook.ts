/**
 * The response cache as a hook. After the gateway key, budgets and policy let a routed request
 * through, it looks the request up: a hit answers it locally with the stored response (the
 * provider is never called); a miss goes upstream, and its response, as the client receives it,
 * is stored once it completed with a 2xx. Responses carry `x-llm-extproc-cache: hit|miss|bypass`
 * (a hit also `age`). With `streamKeys: shared`, a streaming and a non-streaming request of the
 * same prompt share one entry, served in the form each asks for (stream-forms.ts). See
 * docs/response-cache.md.
 */
import type { Config } from '../config/schema.js';
import { presentCredentialHeaders, queryKey } from '../credentials/client-credentials.js';
import type { Hook, HookRequest, LocalResponse } from '../hooks/hook.js';
import type { HeaderChanges } from '../hooks/phase.js';
import type { BypassReason, MissReason } from './cache-metrics.js';
import { canonicalBody, isDeterministic, jsonObject, keyDigest } from './cache-key.js';
import { ruleCacheSettings, type RuleCacheSettings } from './cache-settings.js';
import type { ResponseCache } from './response-cache.js';
import type { CacheKey, StoredResponse } from './response-store.js';
import { inRequestedForm, sharesStreamForms } from './stream-forms.js';

/** The response header naming what the cache did. */
export const CACHE_HEADER = 'x-llm-extproc-cache';

/** Body fields that only choose the form of the response: left out of a key both forms share. */
const STREAM_FIELDS = ['stream', 'stream_options'];

/** Response headers kept with an entry and replayed on a hit. */
const KEPT_HEADERS = ['content-type'];

/** Per-request state of a miss being recorded. */
interface Recording {
  readonly state: 'miss';
  readonly key: CacheKey;
  readonly settings: RuleCacheSettings;
  readonly stream: boolean;
  /** Ends the in-flight mark other identical requests wait on. */
  readonly done: (() => void) | undefined;
  headers: Array<[string, string]> | undefined;
  status: number;
  storable: boolean;
  chunks: Buffer[];
  bytes: number;
}

type CacheContext = Recording | { readonly state: 'bypass' };

function hasDirective(header: string | undefined, directive: string): boolean {
  return header !== undefined && header.toLowerCase().split(',').some((d) => d.trim() === directive);
}

/** Why `req` may not use the cache under `s`, or its parsed body when it may. */
function bypassOf(req: HookRequest, s: RuleCacheSettings, config: Config): { reason: BypassReason } | { body: Record<string, unknown> } {
  if (hasDirective(req.headers['cache-control'], 'no-store')) return { reason: 'no_store' };
  const deny = config.cache.deny;
  if (req.caller && (deny.projects.includes(req.caller.project) || deny.keys.includes(req.caller.id))) return { reason: 'denied' };
  if (!s.clientCredentials && !req.caller && !s.backendsHaveCredentials) {
    if (presentCredentialHeaders(req.headers).length > 0 || queryKey(req.path) !== undefined) return { reason: 'client_credential' };
  }
  const body = req.body && req.method === 'POST' ? jsonObject(req.body) : undefined;
  if (!body) return { reason: 'body_not_cacheable' };
  if (s.mode === 'deterministic' && !isDeterministic(body)) return { reason: 'not_deterministic' };
  return { body };
}

/** The local response of a hit. */
export function hitResponse(entry: StoredResponse, now: number): LocalResponse {
  const age = Math.max(0, Math.floor((now - entry.storedAt) / 1000));
  return {
    status: entry.status,
    headers: [...entry.headers, [CACHE_HEADER, 'hit'], ['age', String(age)]],
    body: entry.body,
    details: 'llm_extproc_cache_hit',
    outcome: {
      info: {
        usage: entry.usage,
        ...(entry.responseModel !== undefined ? { model: entry.responseModel } : {}),
        ...(entry.responseId !== undefined ? { responseId: entry.responseId } : {}),
      },
      ...(entry.costUsd !== undefined ? { costUsd: entry.costUsd === null ? null : 0, costSavedUsd: entry.costUsd } : {}),
    },
  };
}

function hasUsage(u: StoredResponse['usage']): boolean {
  return [u.input, u.output, u.total].some((n) => typeof n === 'number');
}

/** The cache hook of `config`, over the process's cache. */
export function cacheHook(config: Config, cache: ResponseCache): Hook {
  const settings = ruleCacheSettings(config);
  return {
    name: 'cache',
    async onRequest(req) {
      if (req.kind !== 'routed' || req.rule === undefined || req.api === undefined) return undefined;
      const s = settings.get(req.rule);
      if (!s) return undefined;
      const checked = bypassOf(req, s, config);
      if ('reason' in checked) {
        cache.metrics.bypass(req.rule, checked.reason);
        return { context: { state: 'bypass' } satisfies CacheContext };
      }
      const model = req.sentModel ?? req.model ?? '';
      // Where both forms share an entry, the stream flag and the body's stream fields are not part of the key.
      const shared = s.streamKeys === 'shared' && sharesStreamForms(req.api.id);
      const key: CacheKey = {
        project: s.scope === 'shared' ? '' : (req.caller?.project ?? ''),
        rule: req.rule,
        model,
        digest: keyDigest(
          { api: req.api.id, rule: req.rule, backend: s.backends, model, path: req.upstreamPath, stream: shared ? 'either' : req.stream },
          canonicalBody(checked.body, shared ? [...s.ignoreFields, ...STREAM_FIELDS] : s.ignoreFields),
        ),
      };
      let missReason: MissReason | undefined;
      if (!hasDirective(req.headers['cache-control'], 'no-cache')) {
        let entry = await cache.lookup(key, s.lookupTimeoutMs);
        if (!entry && s.collapseWaitMs > 0 && (await cache.awaitInFlight(key, s.collapseWaitMs))) entry = await cache.lookup(key, s.lookupTimeoutMs);
        const served = entry && shared ? inRequestedForm(entry, req.api.id, req.stream, checked.body) : entry;
        if (served && 'refused' in served) missReason = 'not_convertible';
        else if (served) {
          cache.metrics.hit(req.rule, served.usage, served.body.length, served.costUsd);
          return { answer: hitResponse(served, cache.now()) };
        }
      }
      cache.metrics.miss(req.rule, missReason);
      const recording: Recording = {
        state: 'miss',
        key,
        settings: s,
        stream: req.stream,
        done: s.collapseWaitMs > 0 ? cache.beginMiss(key) : undefined,
        headers: undefined,
        status: 0,
        storable: true,
        chunks: [],
        bytes: 0,
      };
      // An encoded body could not be replayed to a client that did not ask for that encoding.
      return { context: recording satisfies CacheContext, headers: { set: [['accept-encoding', 'identity']] } };
    },
    onResponseHeaders(res, _req, context): HeaderChanges | undefined {
      const ctx = context as CacheContext | undefined;
      if (!ctx) return undefined;
      if (ctx.state === 'miss') {
        ctx.status = res.status;
        const encoding = res.headers['content-encoding'];
        ctx.storable = res.status >= 200 && res.status < 300 && (encoding === undefined || encoding === 'identity');
        ctx.headers = KEPT_HEADERS.flatMap((h) => (res.headers[h] !== undefined ? [[h, res.headers[h]!] as [string, string]] : []));
      }
      return { set: [[CACHE_HEADER, ctx.state]] };
    },
    onResponseBody(chunk, _end, _req, context) {
      const ctx = context as CacheContext | undefined;
      if (ctx?.state !== 'miss' || !ctx.storable) return;
      ctx.bytes += chunk.length;
      if (ctx.bytes > ctx.settings.maxObjectBytes) {
        ctx.storable = false;
        ctx.chunks = [];
        return;
      }
      if (chunk.length) ctx.chunks.push(chunk);
    },
    onOutcome(o, context) {
      const ctx = context as CacheContext | undefined;
      if (ctx?.state !== 'miss') return;
      const usage = o.info?.usage ?? {};
      const complete = ctx.storable && ctx.headers !== undefined && o.errorType === undefined && o.status >= 200 && o.status < 300 && (!ctx.stream || hasUsage(usage));
      if (!complete) {
        ctx.done?.();
        return;
      }
      const entry: StoredResponse = {
        status: ctx.status,
        headers: ctx.headers!,
        body: Buffer.concat(ctx.chunks, ctx.bytes),
        storedAt: cache.now(),
        usage,
        ...(o.info?.model !== undefined ? { responseModel: o.info.model } : {}),
        ...(o.info?.responseId !== undefined ? { responseId: o.info.responseId } : {}),
        ...(o.costUsd !== undefined ? { costUsd: o.costUsd } : {}),
      };
      ctx.chunks = [];
      void cache.save(ctx.key, entry, ctx.settings.ttlMs).finally(() => ctx.done?.());
    },
  };
}
