/**
 * `llmRequestCosts` (Envoy AI Gateway v0.2): values computed at the end of each response and
 * written into dynamic metadata under their `metadataKey`, where Envoy's rate limit filter reads
 * them (`hits_addend`) and access logs can print them.
 *
 * Types: `InputToken`, `CachedInputToken`, `OutputToken`, `TotalToken`, and `CEL`. CEL expressions
 * see these variables (AI Gateway's names; AI Gateway v0.2 itself had the first five):
 *
 * | variable | CEL type |
 * | --- | --- |
 * | `model` | string — the requested model |
 * | `backend` | string — the backend name (empty when unknown) |
 * | `route_name` | string — the route rule name |
 * | `input_tokens`, `cached_input_tokens`, `cache_creation_input_tokens`, `output_tokens`, `reasoning_tokens`, `total_tokens` | uint |
 *
 * Token variables are `uint`, as in AI Gateway, so integer literals mixed with them need the `u`
 * suffix (`input_tokens * 2u`) — CEL has no implicit int/uint conversion.
 *
 * Results: a non-negative `int` or a `uint` is used as is; a finite non-negative `double` is
 * rounded to the nearest integer (AI Gateway rejects doubles; we accept them so weighted costs
 * such as `double(output_tokens) * 1.5` work); a negative or non-finite number, or any other
 * type, is an error. Expressions are compiled at config load and test-evaluated on sample usage,
 * so a syntax error, an unknown variable, a type error or a non-number result fails the config
 * load naming the metadataKey. At runtime an evaluation error leaves that key out and is
 * returned in `errors` for the caller to log.
 */
import { celEnv, CelScalar, celUint, isCelError, isCelUint, parse, plan, type CelResult, type CelUint, type CelValue } from '@bufbuild/cel';
import type { TokenUsage } from '../apis/api.js';
import type { RequestCostConfig } from '../config/schema.js';

/** What a cost is computed from. */
export interface RequestCostInput {
  /** The requested model. */
  readonly model: string;
  /** The backend name, empty when unknown. */
  readonly backend: string;
  /** The route rule name. */
  readonly routeName: string;
  readonly usage: TokenUsage;
}

/** A cost that could not be computed for one request. */
export interface RequestCostError {
  readonly metadataKey: string;
  readonly message: string;
}

/** Costs of one request: values by metadataKey, and the keys that failed. */
export interface RequestCostsResult {
  /** Cost values by metadataKey. */
  readonly values: Record<string, number>;
  readonly errors: RequestCostError[];
}

/** Computes all configured costs for one finished request. Never throws. */
export type RequestCostsEvaluator = (input: RequestCostInput) => RequestCostsResult;

/** A cost entry that cannot be used; thrown at config load. */
export class RequestCostConfigError extends Error {
  constructor(
    /** Index in `llmRequestCosts`. */
    readonly index: number,
    readonly metadataKey: string,
    /** Config path of the offending field, e.g. `llmRequestCosts[1].celExpression`. */
    readonly path: string,
    reason: string,
  ) {
    super(`${path} (metadataKey ${JSON.stringify(metadataKey)}): ${reason}`);
    this.name = 'RequestCostConfigError';
  }
}

/** The CEL environment of cost expressions. */
const COST_VARIABLES = {
  model: CelScalar.STRING,
  backend: CelScalar.STRING,
  route_name: CelScalar.STRING,
  input_tokens: CelScalar.UINT,
  cached_input_tokens: CelScalar.UINT,
  cache_creation_input_tokens: CelScalar.UINT,
  output_tokens: CelScalar.UINT,
  reasoning_tokens: CelScalar.UINT,
  total_tokens: CelScalar.UINT,
} as const;
const COST_ENV = celEnv({ variables: COST_VARIABLES });

/** Sample inputs a CEL expression must evaluate on at config load: all zero (as AI Gateway checks) and a typical request. */
const SAMPLES: readonly RequestCostInput[] = [
  { model: 'dummy', backend: 'dummy', routeName: 'dummy', usage: {} },
  {
    model: 'gpt-4o-mini',
    backend: 'openai',
    routeName: 'openai',
    usage: { input: 1000, cachedInput: 200, cacheCreationInput: 100, output: 500, reasoning: 100, total: 1500 },
  },
];

/** A token count as a non-negative integer (absent, negative or non-finite → 0). */
function count(n: number | undefined): number {
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? Math.floor(n) : 0;
}

/** Total tokens: as reported, else input + output. */
export function totalTokens(usage: TokenUsage): number {
  return usage.total !== undefined ? count(usage.total) : count(usage.input) + count(usage.output);
}

function uint(n: number): CelUint {
  return celUint(BigInt(n));
}

/** Converts a CEL result to a cost, or an error message. */
function toCost(v: CelValue): number | string {
  if (isCelUint(v)) return Number(v.value);
  if (typeof v === 'bigint') return v < 0n ? `result is negative (${v})` : Number(v);
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return `result is not finite (${v})`;
    if (v < 0) return `result is negative (${v})`;
    return Math.round(v);
  }
  return `result must be a number, got ${describe(v)}`;
}

function describe(v: CelValue): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return `string ${JSON.stringify(v)}`;
  if (typeof v === 'boolean') return `bool ${v}`;
  return typeof v === 'object' ? 'a structured value' : typeof v;
}

type CostFn = (input: RequestCostInput) => number | string;

function compileCel(expression: string, index: number, metadataKey: string, path: string): CostFn {
  let run: ReturnType<typeof plan<typeof COST_VARIABLES>>;
  try {
    run = plan(COST_ENV, parse(expression));
  } catch (err) {
    throw new RequestCostConfigError(index, metadataKey, path, `invalid CEL expression: ${(err as Error).message}`);
  }
  const fn: CostFn = (input) => {
    const u = input.usage;
    let out: CelResult;
    try {
      out = run({
        model: input.model,
        backend: input.backend,
        route_name: input.routeName,
        input_tokens: uint(count(u.input)),
        cached_input_tokens: uint(count(u.cachedInput)),
        cache_creation_input_tokens: uint(count(u.cacheCreationInput)),
        output_tokens: uint(count(u.output)),
        reasoning_tokens: uint(count(u.reasoning)),
        total_tokens: uint(totalTokens(u)),
      });
    } catch (err) {
      return `evaluation failed: ${(err as Error).message}`;
    }
    if (isCelError(out)) return `evaluation failed: ${out.message}`;
    return toCost(out);
  };
  for (const sample of SAMPLES) {
    const r = fn(sample);
    if (typeof r === 'string') {
      const hint = /\(uint, int\)|\(int, uint\)/.test(r) ? ' (token variables are uint: write integer literals with a u suffix, e.g. 2u)' : '';
      throw new RequestCostConfigError(index, metadataKey, path, `CEL expression ${JSON.stringify(expression)} fails on sample usage: ${r}${hint}`);
    }
  }
  return fn;
}

function compileOne(c: RequestCostConfig, index: number): CostFn {
  switch (c.type) {
    case 'InputToken':
      return (i) => count(i.usage.input);
    case 'CachedInputToken':
      return (i) => count(i.usage.cachedInput);
    case 'OutputToken':
      return (i) => count(i.usage.output);
    case 'TotalToken':
      return (i) => totalTokens(i.usage);
    case 'CEL': {
      const field = c.celExpression !== undefined ? 'celExpression' : 'cel';
      const expression = c.celExpression ?? c.cel;
      const path = `llmRequestCosts[${index}].${field}`;
      if (!expression) throw new RequestCostConfigError(index, c.metadataKey, path, 'type CEL needs celExpression');
      return compileCel(expression, index, c.metadataKey, path);
    }
  }
}

/**
 * Compiles the `llmRequestCosts` entries into one evaluator. Throws {@link RequestCostConfigError}
 * for the first unusable entry (bad CEL, non-number result on sample usage, duplicate metadataKey).
 */
export function compileRequestCosts(costs: readonly RequestCostConfig[]): RequestCostsEvaluator {
  const seen = new Set<string>();
  const compiled = costs.map((c, index) => {
    if (seen.has(c.metadataKey)) {
      throw new RequestCostConfigError(index, c.metadataKey, `llmRequestCosts[${index}].metadataKey`, 'duplicate metadataKey');
    }
    seen.add(c.metadataKey);
    return { key: c.metadataKey, fn: compileOne(c, index) };
  });
  return (input) => {
    const result: RequestCostsResult = { values: {}, errors: [] };
    for (const { key, fn } of compiled) {
      let v: number | string;
      try {
        v = fn(input);
      } catch (err) {
        v = `evaluation failed: ${(err as Error).message}`;
      }
      if (typeof v === 'number') result.values[key] = v;
      else result.errors.push({ metadataKey: key, message: v });
    }
    return result;
  };
}
