/**
 * Runs metrics hooks in isolation: a hook that throws, or returns a promise that rejects, is
 * logged (rate-limited) and counted in `llm_extproc.hook.errors` — it never breaks or delays the
 * request. Promises returned by hooks are not awaited.
 */
import type { Attributes, Counter, Meter } from '@opentelemetry/api';
import type { Logger } from 'pino';
import type { TokenUsage } from '../apis/api.js';
import type { RequestMetrics, RequestMetricsFactory, RequestStart } from './request-metrics.js';

/** Counter of hook failures; exported to Prometheus as `llm_extproc_hook_errors_total{hook="…"}`. */
export const HOOK_ERRORS_COUNTER = 'llm_extproc.hook.errors';

/** Options of {@link isolateMetrics}. */
export interface IsolateMetricsOptions {
  /** Meter for the {@link HOOK_ERRORS_COUNTER} counter. */
  readonly meter: Meter;
  readonly logger: Logger;
  /** Minimum time between two error logs of the same hook (default 60 000 ms). */
  readonly logIntervalMs?: number;
  /** Clock in milliseconds (tests inject one); default `Date.now`. */
  readonly now?: () => number;
}

/** Names of the hooks (the `hook` attribute values), plus `newRequest` for the factory itself. */
export type HookName = keyof RequestMetrics | 'newRequest';

/** Logs at most one error per hook per interval, with the count of errors left unlogged since. */
class RateLimitedReporter {
  private readonly lastLogged = new Map<HookName, { at: number; suppressed: number }>();

  constructor(
    private readonly counter: Counter,
    private readonly logger: Logger,
    private readonly intervalMs: number,
    private readonly now: () => number,
  ) {}

  report(hook: HookName, err: unknown): void {
    try {
      this.counter.add(1, { hook });
      const now = this.now();
      const state = this.lastLogged.get(hook);
      if (state && now - state.at < this.intervalMs) {
        state.suppressed++;
        return;
      }
      const suppressed = state?.suppressed ?? 0;
      this.lastLogged.set(hook, { at: now, suppressed: 0 });
      this.logger.warn({ err, hook, suppressed }, `metrics hook ${hook} failed (further failures of this hook are counted, logged at most once per interval)`);
    } catch {
      // Reporting must never throw either.
    }
  }
}

/** Calls `fn`; a throw or a rejected promise goes to `onError`. Never throws, never waits. */
function guard(hook: HookName, reporter: RateLimitedReporter, fn: () => unknown): void {
  try {
    const r = fn();
    if (r !== null && typeof r === 'object' && typeof (r as PromiseLike<unknown>).then === 'function') {
      Promise.resolve(r as PromiseLike<unknown>).then(undefined, (err: unknown) => reporter.report(hook, err));
    }
  } catch (err) {
    reporter.report(hook, err);
  }
}

/** A request's hooks, each wrapped by {@link guard}. */
class IsolatedRequestMetrics implements RequestMetrics {
  constructor(
    private readonly inner: RequestMetrics | undefined,
    private readonly reporter: RateLimitedReporter,
  ) {}

  startRequest(headers: Readonly<Record<string, string>>, start?: RequestStart): void {
    const m = this.inner;
    if (m) guard('startRequest', this.reporter, () => m.startRequest(headers, start));
  }

  setModel(model: string): void {
    const m = this.inner;
    if (m) guard('setModel', this.reporter, () => m.setModel(model));
  }

  setBackend(rule: string, backend?: string): void {
    const m = this.inner;
    if (m) guard('setBackend', this.reporter, () => m.setBackend(rule, backend));
  }

  setStream(stream: boolean): void {
    const m = this.inner;
    if (m) guard('setStream', this.reporter, () => (typeof m.setStream === 'function' ? m.setStream(stream) : undefined));
  }

  setResponseModel(model: string): void {
    const m = this.inner;
    if (m) guard('setResponseModel', this.reporter, () => (typeof m.setResponseModel === 'function' ? m.setResponseModel(model) : undefined));
  }

  setProvider(provider: string): void {
    const m = this.inner;
    if (m) guard('setProvider', this.reporter, () => (typeof m.setProvider === 'function' ? m.setProvider(provider) : undefined));
  }

  recordTokenUsage(usage: TokenUsage, attrs?: Attributes): void {
    const m = this.inner;
    if (m) guard('recordTokenUsage', this.reporter, () => m.recordTokenUsage(usage, attrs));
  }

  recordRequestCompletion(success: boolean, attrs?: Attributes): void {
    const m = this.inner;
    if (m) guard('recordRequestCompletion', this.reporter, () => m.recordRequestCompletion(success, attrs));
  }

  recordTokenLatency(tokens: number, attrs?: Attributes & { endOfStream?: boolean }): void {
    const m = this.inner;
    if (m) guard('recordTokenLatency', this.reporter, () => m.recordTokenLatency(tokens, attrs));
  }
}

/**
 * Wraps `factory` so no hook can break a request. When `newRequest` itself throws (or returns
 * something without the hook methods) the request gets hooks that do nothing, and the failure is
 * counted under `hook="newRequest"`. A missing hook method counts as a failure of that hook.
 */
export function isolateMetrics(factory: RequestMetricsFactory, opts: IsolateMetricsOptions): RequestMetricsFactory {
  const counter = opts.meter.createCounter(HOOK_ERRORS_COUNTER, {
    description: 'Metrics hook calls that threw or rejected, by hook.',
  });
  const reporter = new RateLimitedReporter(counter, opts.logger, opts.logIntervalMs ?? 60_000, opts.now ?? Date.now);
  return {
    newRequest(): RequestMetrics {
      let inner: RequestMetrics | undefined;
      try {
        const m = factory.newRequest();
        if (m === null || typeof m !== 'object') throw new TypeError(`newRequest() returned ${m === null ? 'null' : typeof m}, not an object`);
        inner = m;
      } catch (err) {
        reporter.report('newRequest', err);
      }
      return new IsolatedRequestMetrics(inner, reporter);
    },
  };
}
