/**
 * A whole gateway for accounting tests: the real service with a SQLite ledger and a price table,
 * the Envoy-protocol harness playing the route table, retry policies and clusters that
 * `llm-extproc envoy-config --full` generates for the same config (upstream-level calls per
 * attempt, response bodies of translated backends streamed through them), and one mock
 * upstream per name, each answering with whatever the test sets for it.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { accessRuntimeFor } from '../../src/access/access-runtime.js';
import { parseConfig } from '../../src/config/load.js';
import { generateEnvoyConfig } from '../../src/envoy/bootstrap.js';
import { sqlDbOf } from '../../src/ledger/open-ledger.js';
import type { SqlRow } from '../../src/storage/sql-db.js';
import { startHarness, type Harness } from '../harness/harness.js';
import { startMockUpstream, type MockUpstream, type RecordedRequest } from '../harness/mock-upstream.js';
import { harnessRoutes, routerAllowsEnvoyHeaders } from './envoy-harness-routes.js';
import { startService, type TestService } from './service.js';

/** An upstream's answer to one request. */
export type Answer = (req: RecordedRequest, res: ServerResponse) => void;

/** A provider response to play: status, content type, and the bytes (written in several pieces). */
export interface Played {
  readonly status?: number;
  readonly contentType: string;
  readonly body: Buffer;
  /** Extra response headers (a provider error's type, …). */
  readonly headers?: Readonly<Record<string, string>>;
}

/** An answer playing `p`, its body in five writes so translation sees events split across chunks. */
export function play(p: Played): Answer {
  return (_req, res) => {
    res.writeHead(p.status ?? 200, { 'content-type': p.contentType, ...p.headers });
    const step = Math.max(1, Math.ceil(p.body.length / 5));
    for (let at = 0; at < p.body.length; at += step) res.write(p.body.subarray(at, at + step));
    res.end();
  };
}

/** A running world. */
export interface LedgerWorld {
  readonly svc: TestService;
  readonly harness: Harness;
  readonly upstreams: Readonly<Record<string, MockUpstream>>;
  /** What each upstream answers next (unset: 500). */
  readonly answers: Record<string, Answer>;
  /** The ledger row of `requestId`, once the ledger has written it. */
  ledgerRow(requestId: string): Promise<SqlRow>;
  close(): Promise<void>;
}

/** Options of {@link startLedgerWorld}. */
export interface LedgerWorldOptions {
  /** The config's `schema:` and `rules:` (YAML); auth store, ledger and pricing are added. */
  readonly yaml: string;
  /** The price table (YAML). */
  readonly prices: string;
  /** Names of the mock upstreams. */
  readonly upstreams: readonly string[];
  /** Harness upstream of a plain cluster (by cluster name) or a failover endpoint (by backend name). */
  readonly upstreamOf: (name: string) => string;
}

/** Starts the world; close it with `close()`. */
export async function startLedgerWorld(opts: LedgerWorldOptions): Promise<LedgerWorld> {
  const dir = await mkdtemp(join(tmpdir(), 'ledger-world-'));
  await writeFile(join(dir, 'prices.yaml'), opts.prices);
  const yaml = `auth: { enabled: false, store: { driver: sqlite, path: ${JSON.stringify(join(dir, 'gw.db'))} } }
ledger: { enabled: true, flushIntervalMs: 20 }
pricing: { file: prices.yaml }
${opts.yaml}`;
  const loaded = parseConfig(yaml, join(dir, 'config.yaml'));
  const access = accessRuntimeFor(loaded, { logger: pino({ level: 'silent' }), cwd: dir });
  const db = async () => sqlDbOf(await access.store());
  const svc = await startService({
    loaded,
    cwd: dir,
    access,
    ledgerDb: db,
    ledgerSpillPath: join(dir, 'spill.jsonl'),
  });
  const answers: Record<string, Answer> = {};
  const upstreams: Record<string, MockUpstream> = {};
  for (const name of opts.upstreams) {
    upstreams[name] = await startMockUpstream({
      handler: (req, res) => {
        const answer = answers[name];
        if (answer) return answer(req, res);
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: `no answer set for upstream ${name}` } }));
      },
    });
  }
  const envoy = generateEnvoyConfig(loaded.config, { extprocAddress: { host: '127.0.0.1', port: 50051 }, listenerPort: 8080, full: true });
  const harness = await startHarness({
    processorAddress: svc.target,
    mode: { requestBody: 'BUFFERED', responseBody: 'BUFFERED' },
    allowModeOverride: true,
    allowEnvoyHeaders: routerAllowsEnvoyHeaders(envoy),
    routes: harnessRoutes(envoy, opts.upstreamOf),
    upstreams,
  });
  return {
    svc,
    harness,
    upstreams,
    answers,
    async ledgerRow(requestId) {
      let row: SqlRow | undefined;
      for (let i = 0; i < 500 && row === undefined; i++) {
        [row] = await (await db()).query('SELECT * FROM ledger WHERE request_id = ?', [requestId]);
        if (row === undefined) await new Promise((r) => setTimeout(r, 10));
      }
      if (row === undefined) throw new Error(`no ledger row for request ${requestId}`);
      return row;
    },
    async close() {
      await harness.close();
      for (const u of Object.values(upstreams)) await u.close();
      await svc.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
