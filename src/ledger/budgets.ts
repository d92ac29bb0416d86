/**
 * Spend budgets: tokens and USD per project, per key, or overall, over a calendar window (UTC
 * day or month). Spend is kept in memory, so checking a request costs no database round trip:
 *
 * - at start and every `ledger.budgetSyncIntervalMs` it is re-read from the ledger's daily
 *   rollup (sums per project and key for the current day and month: at most 31 rows per key),
 *   plus this process's records not yet written;
 * - between syncs, each finished request of this process is added at once.
 *
 * So a replica sees its own traffic at once and other replicas' traffic within one sync
 * interval plus their flush interval; with N replicas a budget can be exceeded by about that
 * much of their traffic. A request is refused (429, `retry-after`: seconds until the window
 * ends) once the spend has reached a limit, so the request that crosses the limit still runs.
 */
import type { SqlExecutor } from '../storage/sql-db.js';
import type { BudgetConfig } from '../config/ledger-schema.js';
import { CLIENT_ERRORS } from '../error-catalogue.js';
import { UserFacingError, type WithReplyHeaders } from '../errors.js';
import type { LedgerRecord } from './ledger-record.js';
import { sourceSql } from './usage-source.js';

/** Who a request is charged to. */
export interface BudgetSubject {
  readonly project?: string | undefined;
  readonly keyId?: string | undefined;
}

/** The request path's view of budgets. */
export interface BudgetGate {
  /** The refusal when a budget that applies is spent, else undefined (a promise when spend is read from a shared store). */
  check(budgets: readonly BudgetConfig[], who: BudgetSubject, now: number): BudgetExceededError | undefined | Promise<BudgetExceededError | undefined>;
}

/**
 * Spend counters shared by every replica (Redis), so replicas do not each admit a budget's
 * worth: every finished request adds its tokens and cost at once, and checks read them in one
 * round trip. Keys are `<window>|<window start>|<scope>`; they expire after their window.
 */
export interface SharedSpend {
  /** The spend of each key (0 for a key never written). Rejects when the store is unreachable. */
  read(keys: readonly string[]): Promise<Array<{ tokens: number; cost: number }>>;
  /** Adds to each key, which expires at `expiresAt` (ms since epoch). */
  add(entries: ReadonlyArray<{ key: string; expiresAt: number }>, tokens: number, cost: number): Promise<void>;
}

/** A 429 with `retry-after`, in the client API's error shape. */
export class BudgetExceededError extends UserFacingError implements WithReplyHeaders {
  readonly replyHeaders: Readonly<Record<string, string>>;
  constructor(
    args: Parameters<(typeof CLIENT_ERRORS)['budget_exceeded']['message']>[0],
    readonly retryAfterSeconds: number,
  ) {
    super(CLIENT_ERRORS.budget_exceeded.status, 'budget_exceeded', CLIENT_ERRORS.budget_exceeded.message(args));
    this.replyHeaders = { 'retry-after': String(retryAfterSeconds) };
  }
}

type Window = BudgetConfig['window'];
const WINDOWS: readonly Window[] = ['day', 'month'];

/** Start and end (ms since epoch, UTC) of the window holding `t`. */
export function windowBounds(window: Window, t: number): { start: number; end: number } {
  const d = new Date(t);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  if (window === 'day') {
    const start = Date.UTC(y, m, d.getUTCDate());
    return { start, end: start + 86_400_000 };
  }
  return { start: Date.UTC(y, m, 1), end: Date.UTC(y, m + 1, 1) };
}

interface Spend {
  tokens: number;
  cost: number;
}

function scopesOf(who: BudgetSubject): string[] {
  const s = ['*'];
  if (who.project) s.push(`p:${who.project}`);
  if (who.keyId) s.push(`k:${who.keyId}`);
  return s;
}

function scopeOfBudget(b: BudgetConfig): string {
  return b.key ? `k:${b.key}` : b.project ? `p:${b.project}` : '*';
}

function applies(b: BudgetConfig, who: BudgetSubject): boolean {
  if (b.key !== undefined && b.key !== who.keyId) return false;
  if (b.project !== undefined && b.project !== who.project) return false;
  return true;
}

function num(v: unknown): number {
  const n = typeof v === 'number' ? v : Number(v ?? 0);
  return Number.isFinite(n) ? n : 0;
}

/**
 * Spend per scope and window, in memory (the database at the last sync plus this process's
 * records since); with {@link SharedSpend}, also counted in the shared store the moment a request
 * finishes, and checked against whichever of the two is higher.
 */
export class BudgetTracker implements BudgetGate {
  /** `${window}|${start}|${scope}` → spend (database at the last sync + this process since). */
  private live = new Map<string, Spend>();
  /** This process's records not yet in the database, by request id. */
  private readonly unflushed = new Map<string, LedgerRecord>();

  constructor(private readonly shared?: { readonly spend: SharedSpend; readonly onError: (err: unknown) => void }) {}

  /** Adds a finished request's spend. */
  record(r: LedgerRecord): void {
    this.unflushed.set(r.requestId, r);
    this.add(this.live, r);
    if (!this.shared || (!r.totalTokens && !r.costUsd)) return;
    const who = { project: r.project ?? undefined, keyId: r.keyId ?? undefined };
    const entries = WINDOWS.flatMap((window) => {
      const { start, end } = windowBounds(window, r.ts);
      return scopesOf(who).map((scope) => ({ key: `${window}|${start}|${scope}`, expiresAt: end + 86_400_000 }));
    });
    this.shared.spend.add(entries, r.totalTokens ?? 0, r.costUsd ?? 0).catch((err: unknown) => this.shared!.onError(err));
  }

  /** Records that reached the database (they are counted by the next sync). */
  written(records: readonly LedgerRecord[]): void {
    for (const r of records) this.unflushed.delete(r.requestId);
  }

  /** Re-reads the current windows' spend from the ledger table. */
  async sync(db: SqlExecutor, now: number): Promise<void> {
    const next = new Map<string, Spend>();
    for (const window of WINDOWS) {
      const { start, end } = windowBounds(window, now);
      const source = sourceSql(start, end, {});
      const rows = await db.query(`SELECT project, key_id, SUM(total_tokens) AS tokens, SUM(cost_usd) AS cost FROM (${source.sql}) u GROUP BY project, key_id`, source.params);
      for (const row of rows) {
        const who = { project: (row['project'] as string | null) || undefined, keyId: (row['key_id'] as string | null) || undefined };
        for (const scope of scopesOf(who)) bump(next, `${window}|${start}|${scope}`, num(row['tokens']), num(row['cost']));
      }
    }
    for (const r of this.unflushed.values()) this.add(next, r);
    this.live = next;
  }

  /** Spend so far of `scope` (`*`, `p:<project>`, `k:<key id>`) in the window holding `now`. */
  spend(window: Window, scope: string, now: number): Spend {
    return this.live.get(`${window}|${windowBounds(window, now).start}|${scope}`) ?? { tokens: 0, cost: 0 };
  }

  check(budgets: readonly BudgetConfig[], who: BudgetSubject, now: number): BudgetExceededError | undefined | Promise<BudgetExceededError | undefined> {
    const local = this.refusal(budgets, who, now, (b) => this.spend(b.window, scopeOfBudget(b), now));
    if (local || !this.shared) return local;
    const applying = budgets.filter((b) => applies(b, who));
    if (applying.length === 0) return undefined;
    const keys = applying.map((b) => `${b.window}|${windowBounds(b.window, now).start}|${scopeOfBudget(b)}`);
    return this.shared.spend.read(keys).then(
      (spent) => this.refusal(applying, who, now, (b) => spent[applying.indexOf(b)]!),
      (err: unknown) => {
        // The shared store is down: the local view (the database's, plus this replica's) decides.
        this.shared!.onError(err);
        return undefined;
      },
    );
  }

  private refusal(budgets: readonly BudgetConfig[], who: BudgetSubject, now: number, spendOf: (b: BudgetConfig) => Spend): BudgetExceededError | undefined {
    for (const b of budgets) {
      if (!applies(b, who)) continue;
      const spent = spendOf(b);
      const overTokens = b.maxTokens !== undefined && spent.tokens >= b.maxTokens;
      const overCost = b.maxCostUsd !== undefined && spent.cost >= b.maxCostUsd;
      if (!overTokens && !overCost) continue;
      const retryAfter = Math.max(1, Math.ceil((windowBounds(b.window, now).end - now) / 1000));
      const whose = b.key ? `key ${b.key}` : b.project ? `project ${b.project}` : 'the gateway';
      const what = overTokens ? `token budget (${b.maxTokens})` : `cost budget (${b.maxCostUsd} USD)`;
      return new BudgetExceededError({ whose, window: b.window, what }, retryAfter);
    }
    return undefined;
  }

  private add(into: Map<string, Spend>, r: LedgerRecord): void {
    const who = { project: r.project ?? undefined, keyId: r.keyId ?? undefined };
    for (const window of WINDOWS) {
      const { start } = windowBounds(window, r.ts);
      for (const scope of scopesOf(who)) bump(into, `${window}|${start}|${scope}`, r.totalTokens ?? 0, r.costUsd ?? 0);
    }
  }
}

function bump(into: Map<string, Spend>, key: string, tokens: number, cost: number): void {
  const s = into.get(key);
  if (s) {
    s.tokens += tokens;
    s.cost += cost;
  } else into.set(key, { tokens, cost });
}
