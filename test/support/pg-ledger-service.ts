/**
 * The service with its ledger on a given PostgreSQL database (one OpenAI rule, a fast-flushing
 * ledger spilling to `dir/spill.jsonl`) behind a single-route harness whose upstream answers
 * `completion`: the set-up the PostgreSQL fault tests share. `send` makes `n` requests with the
 * OpenAI SDK, in parallel, and returns their request ids.
 */
import { join } from 'node:path';
import OpenAI from 'openai';
import { parseConfig } from '../../src/config/load.js';
import type { LedgerRuntime } from '../../src/ledger/ledger-runtime.js';
import type { SqlDb } from '../../src/storage/sql-db.js';
import { startService, type TestService } from './service.js';
import { jsonReply, startSingleRoute, type SingleRoute } from './single-route.js';

/** A started service whose ledger writes to the given database. */
export interface PgLedgerService {
  readonly svc: TestService;
  readonly route: SingleRoute;
  readonly ledger: LedgerRuntime;
  /** The spill file the ledger falls back to. */
  readonly spillPath: string;
  /** Sends `n` chat completions tagged `tag`; the request ids the client got back. */
  send(n: number, tag: string): Promise<string[]>;
  close(): Promise<void>;
}

/** Starts the service with its ledger on `db` (its schema migrated by the caller). */
export async function startPgLedgerService(opts: { readonly dir: string; readonly db: SqlDb; readonly completion: string }): Promise<PgLedgerService> {
  const spillPath = join(opts.dir, 'spill.jsonl');
  const loaded = parseConfig(
    `
ledger: { enabled: true, spillPath: ${JSON.stringify(spillPath)}, flushIntervalMs: 20, batchSize: 3, budgetSyncIntervalMs: 3600000 }
rules:
  - name: openai
    headers: [{ name: x-ai-eg-model, prefix: "gpt-" }]
    backends: [{ name: openai }]
`,
    join(opts.dir, 'config.yaml'),
  );
  const svc = await startService({
    loaded,
    cwd: opts.dir,
    ledgerDb: async () => opts.db,
  });
  const route = await startSingleRoute({ processorAddress: svc.target, handler: jsonReply(opts.completion) });
  const client = new OpenAI({ baseURL: `${route.harness.url}/v1`, apiKey: 'sk-client', maxRetries: 0 });
  return {
    svc,
    route,
    ledger: svc.ledger!,
    spillPath,
    send: async (n, tag) => {
      const ids: string[] = [];
      await Promise.all(
        Array.from({ length: n }, async (_, i) => {
          const { response } = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: `${tag}${i}` }] }).withResponse();
          ids.push(response.headers.get('x-request-id')!);
        }),
      );
      return ids;
    },
    close: async () => {
      await route.close();
      await svc.stop();
    },
  };
}
