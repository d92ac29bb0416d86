/**
 * Runs once before the test suite: makes sure the PostgreSQL the key-store tests use is there.
 * When it is not reachable (and LLM_EXTPROC_TEST_PG_URL does not name another server), runs
 * scripts/ensure-postgres.sh, which starts a local server or installs one. If that fails the
 * PostgreSQL tests fail with a message saying so — they never skip.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

async function reachable(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** vitest global setup. */
export default async function setup(): Promise<void> {
  if (process.env['LLM_EXTPROC_TEST_PG_URL']) return;
  if (await reachable('postgres://postgres@127.0.0.1:5432/test')) return;
  const script = fileURLToPath(new URL('../scripts/ensure-postgres.sh', import.meta.url));
  try {
    execFileSync('bash', [script], { stdio: 'inherit', timeout: 10 * 60_000 });
  } catch (err) {
    process.stderr.write(`PostgreSQL could not be prepared (${(err as Error).message}); the key-store tests will fail.\n`);
  }
}
