/**
 * The router behaviour suite, runnable against any {@link Router}: what every router —
 * ours or a user's module — must do to be safe in the request path.
 */
import { isNoMatchingRule } from '../routing/route-decider.js';
import type { RouteRequest, Router } from '../routing/router.js';

/** One expectation a user adds to the generic checks. */
export interface RouterCase {
  /** Request headers (lower-cased names; include the model header). */
  readonly headers: Readonly<Record<string, string>>;
  /** Optional request facts passed as the second argument. */
  readonly request?: Partial<Omit<RouteRequest, 'body'>> & { body?: unknown };
  /** The rule name expected, or `null` for "no matching rule". */
  readonly expect: string | null;
}

/** Options of the contract checks. */
export interface RouterContractOptions {
  /** Cases that must route as stated. */
  readonly cases?: readonly RouterCase[];
  /** Time budget per call in ms (the service's default is 100). */
  readonly budgetMs?: number;
  /** Concurrent calls used to check the router is safe to share (default 200). */
  readonly concurrency?: number;
}

function routeRequest(c: RouterCase): RouteRequest {
  const body = c.request?.body;
  return {
    api: c.request?.api ?? 'openai.chat_completions',
    model: c.request?.model ?? c.headers['x-ai-eg-model'],
    stream: c.request?.stream ?? false,
    method: c.request?.method ?? 'POST',
    path: c.request?.path ?? '/v1/chat/completions',
    body: () => body,
  };
}

type Outcome = { ok: true; rule: string } | { ok: false; noMatch: boolean; error: unknown };

/** How long past its budget a call may run before it is abandoned (a hung router must not hang the suite). */
const ABANDON_FACTOR = 5;

class NoAnswerError extends Error {
  constructor(ms: number) {
    super(`no answer after ${ms} ms`);
  }
}

async function callOnce(router: Router, c: RouterCase, budgetMs: number, withRequest = true): Promise<Outcome> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const headers = Object.freeze({ ...c.headers });
    const answer = withRequest ? router.calculate(headers, routeRequest(c)) : router.calculate(headers);
    const abandonMs = budgetMs * ABANDON_FACTOR;
    const abandon = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new NoAnswerError(abandonMs)), abandonMs);
    });
    const rule = await Promise.race([answer, abandon]);
    return { ok: true, rule };
  } catch (error) {
    return { ok: false, noMatch: isNoMatchingRule(error), error };
  } finally {
    clearTimeout(timer);
  }
}

function describeOutcome(o: Outcome): string {
  if (o.ok) return `rule ${JSON.stringify(o.rule)}`;
  if (o.noMatch) return 'NoMatchingRuleError';
  const message = String((o.error as Error)?.message ?? o.error);
  // Headers are frozen: writing to them throws a TypeError in strict-mode code (every ES module).
  const hint = o.error instanceof TypeError && /read.only|not extensible|delete/i.test(message) ? ' (headers are read-only)' : '';
  return `error ${message}${hint}`;
}

/**
 * Runs the router contract and returns the problems found (empty when the router conforms):
 * - every answer is a non-empty string or a thrown {@link NoMatchingRuleError} — never another error;
 * - headers are read-only to the router (they are passed frozen);
 * - the router works with and without the optional request argument;
 * - each call finishes within the budget;
 * - concurrent calls give the same answers as sequential ones (safe to share);
 * - the given cases route as expected.
 */
export async function checkRouterContract(router: Router, options: RouterContractOptions = {}): Promise<string[]> {
  const problems: string[] = [];
  const budgetMs = options.budgetMs ?? 100;
  const generic: RouterCase[] = [
    { headers: { 'x-ai-eg-model': 'gpt-4o-mini', ':path': '/v1/chat/completions' }, expect: null },
    { headers: { 'x-ai-eg-model': '' }, expect: null },
    { headers: {}, expect: null },
    { headers: { 'x-ai-eg-model': 'unknown-model-\u00e9\u{1F600}', 'x-extra': 'x'.repeat(8192) }, expect: null },
  ];
  const cases = [...(options.cases ?? []), ...generic];
  const sequential: Outcome[] = [];
  for (const c of cases) {
    const started = performance.now();
    const outcome = await callOnce(router, c, budgetMs);
    const took = performance.now() - started;
    sequential.push(outcome);
    const label = JSON.stringify(c.headers).slice(0, 120);
    if (took > budgetMs) problems.push(`${label}: took ${took.toFixed(1)} ms, over the ${budgetMs} ms budget`);
    if (outcome.ok && (typeof outcome.rule !== 'string' || outcome.rule === '')) {
      problems.push(`${label}: answered ${JSON.stringify(outcome.rule)}; a rule name must be a non-empty string`);
    }
    if (!outcome.ok && !outcome.noMatch) {
      problems.push(`${label}: threw ${describeOutcome(outcome)}; only NoMatchingRuleError may be thrown`);
    }
    if (options.cases?.includes(c)) {
      const want = c.expect === null ? 'NoMatchingRuleError' : `rule ${JSON.stringify(c.expect)}`;
      if (describeOutcome(outcome) !== want) problems.push(`${label}: expected ${want}, got ${describeOutcome(outcome)}`);
    }
  }
  // Without the optional request argument.
  for (const c of cases) {
    const outcome = await callOnce(router, c, budgetMs, false);
    if (!outcome.ok && !outcome.noMatch) {
      problems.push(`without request argument: threw ${describeOutcome(outcome)}`);
      break;
    }
  }
  // Concurrency: interleaved calls must give the sequential answers.
  const n = options.concurrency ?? 200;
  const concurrent = await Promise.all(Array.from({ length: n }, (_, i) => callOnce(router, cases[i % cases.length]!, budgetMs)));
  const mismatches: string[] = [];
  concurrent.forEach((o, i) => {
    const want = sequential[i % cases.length]!;
    if (describeOutcome(o) !== describeOutcome(want)) {
      mismatches.push(`concurrent call ${i}: got ${describeOutcome(o)}, sequentially ${describeOutcome(want)}`);
    }
  });
  problems.push(...mismatches.slice(0, 5));
  if (mismatches.length > 5) problems.push(`… and ${mismatches.length - 5} more concurrent calls answered differently`);
  return [...new Set(problems)];
}
