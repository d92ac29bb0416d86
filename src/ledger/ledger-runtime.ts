/**
 * The process's usage ledger: the batching writer with its spill file, the budget spend, the
 * `llm_extproc.ledger.backlog` gauge, and the budget re-sync timer. Settings apply at start;
 * a config reload does not move the ledger (as with the access store it shares).
 */
import type { Meter } from '@opentelemetry/api';
import type { Logger } from 'pino';
import type { SqlDb } from '../storage/sql-db.js';
import type { LedgerConfig } from '../config/ledger-schema.js';
import { BudgetTracker, type SharedSpend } from './budgets.js';
import type { LedgerRecord } from './ledger-record.js';
import { LedgerWriter } from './ledger-writer.js';
import { SpillFile } from './spill-file.js';

/** Gauge of records not yet in the database (queued + spilled). */
export const BACKLOG_METRIC = 'llm_extproc.ledger.backlog';

/** Options of {@link LedgerRuntime}. */
export interface LedgerRuntimeOptions {
  /** The access store's database. */
  db(): Promise<SqlDb>;
  readonly config: LedgerConfig;
  /** `config.spillPath`, resolved. */
  readonly spillPath: string;
  readonly meter: Meter;
  readonly logger: Logger;
  readonly now?: () => number;
  /** Spend counters shared by every replica (Redis): budgets checked against them. */
  readonly sharedSpend?: SharedSpend;
}

/** The ledger of one process. */
export class LedgerRuntime {
  /** Spend per project, key and window; the request path's budget check. */
  readonly budgets: BudgetTracker;
  private readonly writer: LedgerWriter;
  private readonly spill: SpillFile;
  private syncTimer: NodeJS.Timeout | undefined;
  private readonly now: () => number;

  constructor(private readonly opts: LedgerRuntimeOptions) {
    this.now = opts.now ?? Date.now;
    let lastError = 0;
    this.budgets = new BudgetTracker(
      opts.sharedSpend
        ? {
            spend: opts.sharedSpend,
            onError: (err) => {
              if (this.now() - lastError < 60_000) return;
              lastError = this.now();
              opts.logger.error({ err: { message: (err as Error).message } }, 'shared budget spend unavailable: budgets use this replica’s view');
            },
          }
        : undefined,
    );
    this.spill = new SpillFile(opts.spillPath);
    this.writer = new LedgerWriter({
      db: opts.db,
      spill: this.spill,
      logger: opts.logger,
      maxQueue: opts.config.maxQueue,
      batchSize: opts.config.batchSize,
      flushIntervalMs: opts.config.flushIntervalMs,
      onWritten: (records) => this.budgets.written(records),
    });
    opts.meter
      .createObservableGauge(BACKLOG_METRIC, { description: 'Ledger records not yet written to the database (queued + spilled)', unit: '{record}' })
      .addCallback((r) => r.observe(this.writer.backlog));
  }

  /** Counts a spill file left by a previous run and seeds budget spend from the ledger table. */
  async start(): Promise<void> {
    await this.spill.init();
    if (this.spill.size > 0) this.opts.logger.info({ records: this.spill.size, path: this.spill.path }, 'ledger spill file found; it is replayed on the next write');
    await this.syncBudgets();
    this.syncTimer = setInterval(() => void this.syncBudgets(), this.opts.config.budgetSyncIntervalMs);
    this.syncTimer.unref();
  }

  /** Queues a finished request's record and adds its spend. */
  record(r: LedgerRecord): void {
    this.budgets.record(r);
    this.writer.push(r);
  }

  /** Records not yet in the database. */
  get backlog(): number {
    return this.writer.backlog;
  }

  /** Writes what is queued now (and replays spilled records). */
  flush(): Promise<void> {
    return this.writer.flush();
  }

  /** Re-reads budget spend from the database; a failure keeps the current spend. */
  async syncBudgets(): Promise<void> {
    try {
      await this.budgets.sync(await this.opts.db(), this.now());
    } catch (err) {
      this.opts.logger.warn({ err }, 'budget spend could not be re-read from the ledger; keeping the in-memory spend');
    }
  }

  /** Stops the timers and writes (or spills) every queued record. */
  async close(): Promise<void> {
    clearInterval(this.syncTimer);
    await this.writer.close();
  }
}
