/**
 * Runs once before the test suite: makes sure the PostgreSQL the key-store tests use is there.
 * When it is not reachable (and LLM_EXTPROC_TEST_PG_URL does not name another server), runs
 * scripts/ensure-postgres.sh, which starts a local server or installs one. If that fails the
 * PostgreSQL tests fail with a message saying so — they never skip.
 *
 * Likewise for the Chromium the dashboard test drives: when the executable is absent (and
 * LLM_EXTPROC_TEST_CHROMIUM does not name another one), runs scripts/ensure-chromium.sh, which
 * installs Debian's chromium package; if that fails, the dashboard test fails saying so.
 *
 * And for Redis (response cache, rate limits): when 127.0.0.1:6379 does not answer (and
 * LLM_EXTPROC_TEST_REDIS_URL does not name another server), runs scripts/ensure-redis.sh, which
 * starts redis-server or installs it first.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import pg from 'pg';
import { CHROMIUM_ENV, chromiumPath, isExecutable } from './support/chromium.js';

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

async function ensurePostgres(): Promise<void> {
  if (process.env['LLM_EXTPROC_TEST_PG_URL']) return;
  if (await reachable('postgres://postgres@127.0.0.1:5432/test')) return;
  const script = fileURLToPath(new URL('../scripts/ensure-postgres.sh', import.meta.url));
  try {
    execFileSync('bash', [script], { stdio: 'inherit', timeout: 10 * 60_000 });
  } catch (err) {
    process.stderr.write(`PostgreSQL could not be prepared (${(err as Error).message}); the key-store tests will fail.\n`);
  }
}

async function redisAnswers(url: string): Promise<boolean> {
  const client = new Redis(url, { lazyConnect: true, connectTimeout: 2000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

async function ensureRedis(): Promise<void> {
  if (process.env['LLM_EXTPROC_TEST_REDIS_URL']) return;
  if (await redisAnswers('redis://127.0.0.1:6379')) return;
  const script = fileURLToPath(new URL('../scripts/ensure-redis.sh', import.meta.url));
  try {
    execFileSync('bash', [script], { stdio: 'inherit', timeout: 10 * 60_000 });
  } catch (err) {
    process.stderr.write(`Redis could not be prepared (${(err as Error).message}); the cache and rate-limit tests will fail.\n`);
  }
}

function ensureChromium(): void {
  if (process.env[CHROMIUM_ENV] || isExecutable(chromiumPath())) return;
  const script = fileURLToPath(new URL('../scripts/ensure-chromium.sh', import.meta.url));
  try {
    execFileSync('bash', [script], { stdio: 'inherit', timeout: 10 * 60_000 });
  } catch (err) {
    process.stderr.write(`Chromium could not be installed (${(err as Error).message}); the dashboard test will fail.\n`);
  }
}

/** vitest global setup. */
export default async function setup(): Promise<void> {
  await ensurePostgres();
  await ensureRedis();
  ensureChromium();
}
