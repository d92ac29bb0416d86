/**
 * Builds the usage ledger of a loaded config over the access runtime's store (the ledger table
 * lives in the same database). Relative spill paths resolve against the config file's directory.
 */
import { dirname, resolve } from 'node:path';
import type { Meter } from '@opentelemetry/api';
import type { Logger } from 'pino';
import type { AccessRuntime } from '../access/access-runtime.js';
import type { SqlDb } from '../storage/sql-db.js';
import { SqlAccessStore } from '../access/sql-store.js';
import type { AccessStore } from '../access/store.js';
import type { Config } from '../config/schema.js';
import { LedgerRuntime } from './ledger-runtime.js';
import type { SharedSpend } from './budgets.js';

/** The SQL database behind an access store; throws for a store that has none. */
export function sqlDbOf(store: AccessStore): SqlDb {
  if (store instanceof SqlAccessStore) return store.db;
  throw new Error('the access store has no SQL database for the ledger');
}

/** The ledger for `loaded` (undefined when `ledger.enabled` is false). Call `start()` once the store opens. */
export function ledgerRuntimeFor(
  loaded: { readonly config: Config; readonly source: string },
  access: AccessRuntime,
  deps: { readonly meter: Meter; readonly logger: Logger; readonly cwd: string; readonly sharedSpend?: SharedSpend },
): LedgerRuntime | undefined {
  const cfg = loaded.config.ledger;
  if (!cfg.enabled) return undefined;
  const baseDir = loaded.source === 'embedded default' ? deps.cwd : dirname(loaded.source);
  return new LedgerRuntime({
    db: async () => sqlDbOf(await access.store()),
    config: cfg,
    spillPath: resolve(baseDir, cfg.spillPath),
    meter: deps.meter,
    logger: deps.logger.child({ component: 'ledger' }),
    ...(deps.sharedSpend ? { sharedSpend: deps.sharedSpend } : {}),
  });
}
