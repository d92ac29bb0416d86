/**
 * Counters in Redis, shared by every replica: a request's checks run in one Lua script, atomic
 * (every check has room and the request units are taken, or nothing is), and the requests that
 * ask within one turn of the event loop share that script's round trip; each
 * bucket key expires on its own three windows after it was created. Keys are
 * `<prefix><counter key>:<bucket>`. Token charges wait for the next checks and go in their
 * script, applied before them (at most one round trip per request, not two); charges that no
 * check carries within `chargeDelayMs` are sent on their own. A command that fails or takes longer than the timeout
 * rejects with {@link CounterStoreError}; the client never queues commands while disconnected
 * (it reconnects in the background), so an outage costs a request at most the timeout.
 */
import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import { bucketOf, WINDOW_MS } from './sliding-window.js';
import { CounterStoreError, type BucketCounts, type CounterCheck, type CounterStore, type TakeResult } from './counter-store.js';
import { SPEND_ADD_SCRIPT, TAKE_SCRIPT, type AddCommand, type TakeCommand } from './redis-scripts.js';

/** How to reach Redis. */
export interface RedisStoreOptions {
  readonly url: string;
  readonly keyPrefix: string;
  readonly password?: string;
  readonly tls?: boolean;
  /** Time budget of one command. */
  readonly timeoutMs: number;
  readonly logger: Logger;
  readonly windowMs?: number;
  /**
   * Longest a token charge waits for the next check to carry it (default
   * {@link CHARGE_DELAY_MS}); past that it is sent on its own.
   */
  readonly chargeDelayMs?: number;
}

/** Default {@link RedisStoreOptions.chargeDelayMs}. */
export const CHARGE_DELAY_MS = 10;

/** Most requests one round trip carries (Lua's stack bounds a script's `unpack`). */
const MAX_BATCH = 256;

/** Requests' checks waiting for this turn of the event loop to end, as the script's KEYS and ARGV. */
class PendingTakes {
  readonly keys: string[] = [];
  /** ARGV from the window on; the number of requests is set when it is sent. */
  readonly argv: Array<string | number>;
  readonly waiting: Array<{ readonly n: number; readonly resolve: (r: UpToResult) => void; readonly reject: (err: unknown) => void }> = [];

  constructor(windowMs: number) {
    this.argv = [windowMs, 0];
  }
}

/** Token charges waiting for the next round trip, summed per bucket key; one promise for all. */
class PendingCharges {
  readonly amounts = new Map<string, number>();
  readonly done: Promise<void>;
  settle!: (err?: unknown) => void;

  constructor() {
    this.done = new Promise<void>((resolve, reject) => {
      this.settle = (err) => (err === undefined ? resolve() : reject(err));
    });
    this.done.catch(() => undefined); // whoever charged hears of a failure; an unheard one is no crash
  }
}

/** The answer to {@link RedisCounterStore.takeUpTo}: a take's answer and what each check took. */
export interface UpToResult extends TakeResult {
  /** Units each check took (0 for all when refused). */
  readonly taken: readonly number[];
}

/** A token charge for {@link RedisCounterStore.sync}: `amount` (negative: units given back) to `key`'s counter of minute `bucket`. */
export interface BucketCharge {
  readonly key: string;
  readonly bucket: number;
  readonly amount: number;
}

/** Budget spend shared by replicas (see SharedSpend in src/ledger/budgets.ts). */
export interface RedisSpend {
  read(keys: readonly string[]): Promise<Array<{ tokens: number; cost: number }>>;
  add(entries: ReadonlyArray<{ key: string; expiresAt: number }>, tokens: number, cost: number): Promise<void>;
}

/** Counters in Redis. */
export class RedisCounterStore implements CounterStore {
  private readonly client: Redis & { rateLimitTake?: TakeCommand; spendAdd?: AddCommand };
  private readonly windowMs: number;
  private lastErrorLog = 0;
  private waitingForReady: Promise<void> | undefined;
  /** Checks waiting for the end of this turn of the event loop. */
  private takes: PendingTakes | undefined;
  private takesScheduled = false;
  /** Charges not yet sent: the next round trip of checks carries them, or the flush timer sends them. */
  private charges: PendingCharges | undefined;
  /** Sends waiting charges after `chargeDelayMs`; one timer, re-armed (refreshed) when a charge waits. */
  private flushTimer: NodeJS.Timeout | undefined;
  private flushArmed = false;
  /** Bucket key suffixes of the bucket last used (`:<bucket>`, `:<bucket − 1>`), built once per window. */
  private bucket = Number.NaN;
  private currentSuffix = '';
  private previousSuffix = '';

  constructor(private readonly opts: RedisStoreOptions) {
    this.windowMs = opts.windowMs ?? WINDOW_MS;
    const options: RedisOptions = {
      lazyConnect: false,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: opts.timeoutMs,
      connectTimeout: Math.max(opts.timeoutMs, 1000),
      retryStrategy: (times) => Math.min(times * 100, 2000),
      ...(opts.password !== undefined ? { password: opts.password } : {}),
      ...(opts.tls ? { tls: {} } : {}),
    };
    this.client = new Redis(opts.url, options);
    // Without a listener an 'error' event would end the process; the outage is answered per command.
    this.client.on('error', (err: Error) => this.logError(err));
    this.client.defineCommand('rateLimitTake', { lua: TAKE_SCRIPT });
    this.client.defineCommand('spendAdd', { lua: SPEND_ADD_SCRIPT });
  }

  /**
   * Queues the checks for the round trip sent at the end of this turn of the event loop: every
   * request that asks within the same turn shares it (each request's checks atomic on their own,
   * in order), together with the waiting charges (applied before the checks).
   */
  take(checks: readonly CounterCheck[], now: number): Promise<TakeResult> {
    return this.enqueue(checks, now, false);
  }

  /**
   * As {@link take}, but a check with `take` ≥ 1 takes up to `take` units: as many as its
   * window has room for, at least one (else the request is refused). The answer says what each
   * check took. Shares the round trip of the turn's other checks.
   */
  takeUpTo(checks: readonly CounterCheck[], now: number): Promise<UpToResult> {
    return this.enqueue(checks, now, true);
  }

  /**
   * Applies `charges`, then reads the buckets of `keys` at `now`: one script call of its own,
   * not waiting for the turn's checks (they never carry these charges). Rejects with
   * {@link CounterStoreError} when Redis fails; the charges may then be lost.
   */
  sync(charges: readonly BucketCharge[], keys: readonly string[], now: number): Promise<BucketCounts[]> {
    const b = bucketOf(now, this.windowMs);
    const scriptKeys: string[] = [];
    const argv: Array<string | number> = [this.windowMs, 1, now, keys.length];
    for (const k of keys) {
      scriptKeys.push(this.keyOf(k, b), this.keyOf(k, b - 1));
      argv.push(0, 0);
    }
    for (const c of charges) {
      scriptKeys.push(this.keyOf(c.key, c.bucket));
      argv.push(c.amount);
    }
    return this.send(() => this.client.rateLimitTake!(scriptKeys.length, scriptKeys, argv)).then((out) => {
      const counts = new Array<BucketCounts>(keys.length);
      for (let i = 0; i < keys.length; i++) counts[i] = { previous: Number(out[2 + 3 * i]), current: Number(out[3 + 3 * i]) };
      return counts;
    });
  }

  private enqueue(checks: readonly CounterCheck[], now: number, upTo: boolean): Promise<UpToResult> {
    const n = checks.length;
    const takes = (this.takes ??= new PendingTakes(this.windowMs));
    if (!this.takesScheduled) {
      this.takesScheduled = true;
      setImmediate(this.sendTakes);
    }
    this.suffixesFor(bucketOf(now, this.windowMs));
    const prefix = this.opts.keyPrefix;
    takes.argv.push(now, n);
    for (let i = 0; i < n; i++) {
      const c = checks[i]!;
      const base = prefix + c.key;
      takes.keys.push(base + this.currentSuffix, base + this.previousSuffix);
      takes.argv.push(c.limit, upTo && c.take >= 1 ? -c.take : c.take);
    }
    const answer = new Promise<UpToResult>((resolve, reject) => takes.waiting.push({ n, resolve, reject }));
    if (takes.waiting.length >= MAX_BATCH) this.sendTakes();
    return answer;
  }

  /** Sends the waiting checks and charges in one script call (nothing when none wait). */
  private readonly sendTakes = (): void => {
    this.takesScheduled = false;
    const takes = this.takes;
    const charges = this.charges;
    this.takes = undefined;
    this.charges = undefined;
    if (!takes && !charges) return;
    const keys = takes ? takes.keys : [];
    const argv = takes ? takes.argv : [this.windowMs, 0];
    if (takes) argv[1] = takes.waiting.length;
    if (charges) {
      for (const [key, amount] of charges.amounts) {
        keys.push(key);
        argv.push(amount);
      }
    }
    const sent = this.send(() => this.client.rateLimitTake!(keys.length, keys, argv));
    if (charges) sent.then(() => charges.settle(), (err: unknown) => charges.settle(err));
    if (!takes) return;
    sent.then(
      (out) => {
        let o = 0;
        for (const w of takes.waiting) {
          const counts = new Array<BucketCounts>(w.n);
          const taken = new Array<number>(w.n);
          for (let i = 0; i < w.n; i++) {
            counts[i] = { previous: Number(out[o + 1 + 3 * i]), current: Number(out[o + 2 + 3 * i]) };
            taken[i] = Number(out[o + 3 + 3 * i]);
          }
          const refused = Number(out[o]);
          o += 1 + 3 * w.n;
          w.resolve({ refused: refused > 0 ? refused - 1 : undefined, counts, taken });
        }
      },
      (err: unknown) => {
        for (const w of takes.waiting) w.reject(err);
      },
    );
  };

  /**
   * Queues the charge for the next `take` (so a request costs one round trip), or sends it
   * after `chargeDelayMs` if no check comes first; the promise settles when it was applied.
   */
  add(key: string, amount: number, now: number): Promise<void> {
    const k = this.keyOf(key, bucketOf(now, this.windowMs));
    const charges = (this.charges ??= new PendingCharges());
    charges.amounts.set(k, (charges.amounts.get(k) ?? 0) + amount);
    if (!this.flushArmed) {
      this.flushArmed = true;
      if (this.flushTimer) this.flushTimer.refresh();
      else (this.flushTimer = setTimeout(() => this.onFlushTimer(), this.opts.chargeDelayMs ?? CHARGE_DELAY_MS)).unref();
    }
    return charges.done;
  }

  /** Sends the waiting charges (and any checks waiting for this turn) now; resolves once they were applied. */
  async flush(): Promise<void> {
    const charges = this.charges;
    if (!charges) return;
    this.sendTakes();
    await charges.done;
  }

  async peek(keys: readonly string[], now: number): Promise<BucketCounts[]> {
    if (keys.length === 0) return [];
    const b = bucketOf(now, this.windowMs);
    const values = await this.send(() => this.client.mget(...keys.flatMap((k) => [this.keyOf(k, b), this.keyOf(k, b - 1)])));
    return keys.map((_k, i) => ({ current: Number(values[2 * i] ?? 0), previous: Number(values[2 * i + 1] ?? 0) }));
  }

  /** Budget spend counters on the same Redis (keys under `<prefix>spend:`): one round trip to read, one to add. */
  readonly spend: RedisSpend = {
    read: async (keys) => {
      if (keys.length === 0) return [];
      const values = await this.send(() => this.client.mget(...keys.flatMap((k) => [`${this.opts.keyPrefix}spend:${k}:t`, `${this.opts.keyPrefix}spend:${k}:c`])));
      return keys.map((_k, i) => ({ tokens: Number(values[2 * i] ?? 0), cost: Number(values[2 * i + 1] ?? 0) }));
    },
    add: async (entries, tokens, cost) => {
      if (entries.length === 0) return;
      const keys = entries.flatMap((e) => [`${this.opts.keyPrefix}spend:${e.key}:t`, `${this.opts.keyPrefix}spend:${e.key}:c`]);
      await this.send(() => this.client.spendAdd!(keys.length, ...keys, Math.round(tokens), cost, ...entries.map((e) => e.expiresAt)));
    },
  };

  /** Sends the waiting charges (when Redis answers in time), then disconnects. */
  async close(): Promise<void> {
    clearTimeout(this.flushTimer);
    this.flushArmed = true; // no new timer after close
    await this.flush().catch(() => undefined);
    this.client.disconnect();
  }

  private keyOf(key: string, bucket: number): string {
    return `${this.opts.keyPrefix}${key}:${bucket}`;
  }

  private run<T>(sent: Promise<T>): Promise<T> {
    return sent.catch((err: unknown) => {
      throw new CounterStoreError(`rate-limit counters unavailable: ${(err as Error).message}`, { cause: err });
    });
  }

  private send<T>(command: () => Promise<T>): Promise<T> {
    return this.run(this.client.status === 'ready' ? command() : this.ready().then(command));
  }

  private onFlushTimer(): void {
    this.flushArmed = false;
    this.flush().catch(() => undefined); // the charges' own promise reports the failure
  }

  private suffixesFor(bucket: number): void {
    if (bucket === this.bucket) return;
    this.bucket = bucket;
    this.currentSuffix = `:${bucket}`;
    this.previousSuffix = `:${bucket - 1}`;
  }

  /**
   * Resolves once connected; rejects after the command timeout (the connection is retried in
   * the background). Commands waiting at once share one wait.
   */
  private ready(): Promise<void> {
    this.waitingForReady ??= new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.client.off('ready', onReady);
        this.waitingForReady = undefined;
        reject(new Error(`not connected within ${this.opts.timeoutMs} ms`));
      }, this.opts.timeoutMs);
      const onReady = (): void => {
        clearTimeout(timer);
        this.waitingForReady = undefined;
        resolve();
      };
      this.client.once('ready', onReady);
    });
    return this.waitingForReady;
  }

  /** Logs connection errors at most once a minute. */
  private logError(err: Error): void {
    const now = Date.now();
    if (now - this.lastErrorLog < 60_000) return;
    this.lastErrorLog = now;
    this.opts.logger.error({ err: { message: err.message } }, 'rate-limit Redis unreachable');
  }
}
