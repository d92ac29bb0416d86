/**
 * The real service with gateway keys and the usage ledger, both on one SQLite key store in a test
 * directory: the setup of tests that check what a request recorded in the ledger.
 */
import { join } from 'node:path';
import { pino } from 'pino';
import { expect } from 'vitest';
import { accessRuntimeFor, type AccessRuntime } from '../../src/access/access-runtime.js';
import type { KeyLookup } from '../../src/access/key-lookup.js';
import { parseConfig } from '../../src/config/load.js';
import type { LedgerRuntime } from '../../src/ledger/ledger-runtime.js';
import { sqlDbOf } from '../../src/ledger/open-ledger.js';
import { startService, type TestService } from './service.js';

/** A started service with its key store and ledger. */
export interface LedgerService {
  readonly svc: TestService;
  readonly access: AccessRuntime;
  readonly ledger: LedgerRuntime;
  /** The ledger record of request `id`, once flushed (waits for it). */
  row(id: string): Promise<Record<string, unknown>>;
}

/**
 * Starts the service on `yaml` (the rest of the config: rules, pricing, cache, …) with `auth` on a
 * SQLite store in `dir`, the ledger on it (flushed only when asked), and `keys` as the gateway
 * key lookup. Stopping `svc` closes the ledger and the store.
 */
export async function startLedgerService(opts: { dir: string; yaml: string; keys: KeyLookup }): Promise<LedgerService> {
  const yaml = `auth: { enabled: true, store: { driver: sqlite, path: ${JSON.stringify(join(opts.dir, 'gw.db'))} } }
ledger: { enabled: true, spillPath: ${JSON.stringify(join(opts.dir, 'spill.jsonl'))}, flushIntervalMs: 3600000, budgetSyncIntervalMs: 3600000 }
${opts.yaml}`;
  const loaded = parseConfig(yaml, join(opts.dir, 'config.yaml'));
  const access = accessRuntimeFor(loaded, { logger: pino({ level: 'silent' }), cwd: opts.dir });
  await access.store();
  const svc = await startService({
    loaded,
    cwd: opts.dir,
    keys: opts.keys,
    access,
    ledgerDb: async () => sqlDbOf(await access.store()),
  });
  const started = svc.ledger!;
  const query = async (id: string) => (await sqlDbOf(await access.store()).query('SELECT * FROM ledger WHERE request_id = ?', [id])) as Array<Record<string, unknown>>;
  return {
    svc,
    access,
    ledger: started,
    async row(id) {
      await expect
        .poll(async () => {
          await started.flush();
          return (await query(id)).length;
        })
        .toBe(1);
      return (await query(id))[0]!;
    },
  };
}
