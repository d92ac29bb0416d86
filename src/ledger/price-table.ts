/**
 * Request prices: a YAML table of per-million-token prices by provider and model, with glob
 * fallbacks (`*`, `?`; the first matching entry in file order wins, after exact matches).
 *
 * Cost of one request, in USD, from the normalised {@link TokenUsage} (where `input` includes
 * cached reads and cache writes, and `output` includes reasoning):
 *
 *     uncached  = max(0, input − cachedInput − cacheCreationInput)
 *     cost      = ( uncached × input$ + cachedInput × cachedInput$ + cacheCreationInput × cacheWrite$
 *                 + (output − reasoning) × output$ + reasoning × reasoning$ ) / 1e6 + perRequest$
 *
 * `cachedInput$` and `cacheWrite$` default to `input$`, `reasoning$` to `output$`. The API
 * readers normalise each provider to this form (OpenAI `prompt_tokens` already includes
 * `cached_tokens`; Anthropic reports `input_tokens` without cache reads/writes and the reader
 * adds them; Gemini's `promptTokenCount` includes `cachedContentTokenCount`), so one formula
 * serves all. A model without an entry costs `null` (unknown), never 0.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';
import type { TokenUsage } from '../apis/api.js';
import { globMatch } from '../access/glob.js';

const price = z.number().min(0);

/** One entry of the table: prices in USD per million tokens. */
export const priceEntrySchema = z.strictObject({
  /** Provider glob (`gen_ai.provider.name` of the API, or the backend name); default any. */
  provider: z.string().min(1).default('*'),
  /** Model glob (the model the provider says answered, else the requested one). */
  model: z.string().min(1),
  input: price,
  cachedInput: price.optional(),
  cacheWrite: price.optional(),
  output: price,
  reasoning: price.optional(),
  /** A fixed fee per request. */
  perRequest: price.optional(),
});

/** The price table file. */
export const priceFileSchema = z.strictObject({
  /** When the prices were checked (informational). */
  asOf: z.string().optional(),
  currency: z.literal('USD').default('USD'),
  models: z.array(priceEntrySchema).default([]),
});

/** A parsed price entry. */
export type PriceEntry = z.infer<typeof priceEntrySchema>;

/** What a request is priced from. */
export interface PriceInput {
  /** `gen_ai.provider.name` of the API. */
  readonly provider: string;
  /** The backend name, when known. */
  readonly backend?: string | undefined;
  /** The model to price (the response model, else the requested one). */
  readonly model: string;
  /** The model name sent upstream (a `modelNameOverride`), tried when `model` has no entry. */
  readonly sentModel?: string | undefined;
  /** The requested model, tried when neither `model` nor `sentModel` has an entry. */
  readonly requestModel?: string | undefined;
  readonly usage: TokenUsage;
}

/** A price table file that cannot be used. */
export class PriceTableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PriceTableError';
  }
}

function count(n: number | undefined): number {
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? n : 0;
}

/** The cost in USD of `usage` at `entry`'s prices (see the module comment for the formula). */
export function costOf(entry: PriceEntry, usage: TokenUsage): number {
  const input = count(usage.input);
  const cached = count(usage.cachedInput);
  const written = count(usage.cacheCreationInput);
  const output = count(usage.output);
  const reasoning = Math.min(count(usage.reasoning), output);
  const uncached = Math.max(0, input - cached - written);
  const perMillion =
    uncached * entry.input +
    cached * (entry.cachedInput ?? entry.input) +
    written * (entry.cacheWrite ?? entry.input) +
    (output - reasoning) * entry.output +
    reasoning * (entry.reasoning ?? entry.output);
  return perMillion / 1_000_000 + (entry.perRequest ?? 0);
}

/** Looks up prices and prices requests. */
export class PriceTable {
  private readonly exact = new Map<string, PriceEntry>();
  private readonly globs: PriceEntry[] = [];
  private readonly found = new Map<string, PriceEntry | null>();

  constructor(
    entries: readonly PriceEntry[],
    /** Called with the model when a request's model has no price. */
    private readonly onMissing: (model: string) => void = () => undefined,
  ) {
    for (const e of entries) {
      const isGlob = /[*?]/.test(e.provider) || /[*?]/.test(e.model);
      if (isGlob) this.globs.push(e);
      else if (!this.exact.has(`${e.provider}\u0000${e.model}`)) this.exact.set(`${e.provider}\u0000${e.model}`, e);
    }
  }

  /** The entry for a provider (or backend) and model; undefined when none matches. */
  find(providers: readonly string[], model: string): PriceEntry | undefined {
    const cacheKey = `${providers.join('\u0001')}\u0000${model}`;
    const cached = this.found.get(cacheKey);
    if (cached !== undefined) return cached ?? undefined;
    let hit: PriceEntry | undefined;
    for (const p of providers) hit ??= this.exact.get(`${p}\u0000${model}`);
    hit ??= this.globs.find((e) => globMatch(e.model, model) && providers.some((p) => globMatch(e.provider, p)));
    if (this.found.size >= 10_000) this.found.clear();
    this.found.set(cacheKey, hit ?? null);
    return hit;
  }

  /** The request's cost in USD; null (and counted as missing) when its model has no price. */
  cost(input: PriceInput): number | null {
    const providers = input.backend && input.backend !== input.provider ? [input.provider, input.backend] : [input.provider];
    const entry =
      this.find(providers, input.model) ??
      (input.sentModel ? this.find(providers, input.sentModel) : undefined) ??
      (input.requestModel ? this.find(providers, input.requestModel) : undefined);
    if (!entry) {
      this.onMissing(input.model || 'unknown');
      return null;
    }
    return costOf(entry, input.usage);
  }
}

/** Parses a price table from YAML text; throws {@link PriceTableError} naming what is wrong. */
export function parsePriceTable(text: string, source: string, onMissing?: (model: string) => void): PriceTable {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    throw new PriceTableError(`${source}: not valid YAML: ${(err as Error).message}`);
  }
  const r = priceFileSchema.safeParse(doc ?? {});
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new PriceTableError(`${source}: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return new PriceTable(r.data.models, onMissing);
}

/** Reads and parses the price table file at `path`. */
export function loadPriceTable(path: string, onMissing?: (model: string) => void): PriceTable {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new PriceTableError(`pricing.file ${path}: ${(err as Error).message}`);
  }
  return parsePriceTable(text, path, onMissing);
}
