/**
 * Drives recorded exchanges through an ext_proc service: at most `concurrency` streams at once,
 * started no faster than `rate` per second, `count` exchanges in all (cycling through the list,
 * so a short list doubles as a load pattern). Each finished exchange is reported as a
 * {@link ReplayResult}; a failing stream is a result with an error, never a thrown run.
 */
import { randomUUID } from 'node:crypto';
import type { ExtProcClient } from '../envoy/ext-proc-client.js';
import { playExchange, type PlayOutcome } from '../envoy/replay-stream.js';
import type { RecordedExchange } from './exchange-file.js';

/** One played exchange. */
export interface ReplayResult {
  /** Where the exchange came from (`file:line`). */
  readonly source: string;
  /** Request id sent as `x-request-id` (the ledger's request id). */
  readonly requestId: string;
  /** Time from the first message to the end of the stream, ms. */
  readonly latencyMs: number;
  /** The outcome; undefined when the stream failed. */
  readonly outcome?: PlayOutcome;
  /** Why the stream failed. */
  readonly error?: string;
}

/** Settings of {@link runReplay}. */
export interface ReplayRunOptions {
  readonly exchanges: readonly RecordedExchange[];
  readonly client: ExtProcClient;
  /** Exchanges to play in all (default: each once). */
  readonly count?: number;
  /** Streams open at once (default 1). */
  readonly concurrency?: number;
  /** Exchanges started per second at most (default: no limit). */
  readonly rate?: number;
  /** Request header carrying the chosen rule. */
  readonly routeHeader: string;
  /** Per-reply timeout (default 30 s). */
  readonly messageTimeoutMs?: number;
  /** Called after each exchange. */
  readonly onResult?: (result: ReplayResult, done: number, total: number) => void;
  /** Clock (ms); injected by tests. */
  readonly now?: () => number;
  /** Waits `ms`; injected by tests. */
  readonly sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Plays the exchanges; resolves with every result, in completion order. */
export async function runReplay(options: ReplayRunOptions): Promise<ReplayResult[]> {
  const total = options.count ?? options.exchanges.length;
  const concurrency = Math.max(1, Math.min(options.concurrency ?? 1, total || 1));
  const now = options.now ?? (() => performance.now());
  const sleep = options.sleep ?? defaultSleep;
  const interval = options.rate && options.rate > 0 ? 1000 / options.rate : 0;
  const started = now();
  const results: ReplayResult[] = [];
  let next = 0;

  const worker = async (): Promise<void> => {
    for (;;) {
      const index = next++;
      if (index >= total) return;
      if (interval > 0) {
        const wait = started + index * interval - now();
        if (wait > 0) await sleep(wait);
      }
      const exchange = options.exchanges[index % options.exchanges.length]!;
      const requestId = randomUUID();
      const t0 = now();
      let result: ReplayResult;
      try {
        const outcome = await playExchange(options.client, exchange, { routeHeader: options.routeHeader, messageTimeoutMs: options.messageTimeoutMs ?? 30_000, requestId });
        result = { source: exchange.source, requestId, latencyMs: now() - t0, outcome };
      } catch (err) {
        result = { source: exchange.source, requestId, latencyMs: now() - t0, error: (err as Error).message };
      }
      results.push(result);
      options.onResult?.(result, results.length, total);
    }
  };
  if (options.exchanges.length > 0) await Promise.all(Array.from({ length: concurrency }, worker));
  return results;
}
