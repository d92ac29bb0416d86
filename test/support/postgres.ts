/**
 * PostgreSQL for tests: connects to `LLM_EXTPROC_TEST_PG_URL`, else
 * `postgres://postgres@127.0.0.1:5432/test`, and gives each test file its own schema, dropped
 * afterwards. When the server cannot be reached the tests fail with a message saying how to
 * start one (the test setup, test/global-setup.ts, starts or installs it) — they never skip.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The test database URL. */
export const TEST_PG_URL = process.env['LLM_EXTPROC_TEST_PG_URL'] || 'postgres://postgres@127.0.0.1:5432/test';

/** A fresh schema in the test database. */
export interface TestSchema {
  readonly url: string;
  readonly schema: string;
  /** Drops the schema and everything in it. */
  drop(): Promise<void>;
}

/** Creates a uniquely named schema; throws a clear error when PostgreSQL is not reachable. */
export async function createTestSchema(): Promise<TestSchema> {
  const schema = `t_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const client = new pg.Client({ connectionString: TEST_PG_URL, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
  } catch (err) {
    throw new Error(
      `PostgreSQL is required for these tests and is not reachable at ${TEST_PG_URL.replace(/:[^:@/]*@/, ':***@')} (${(err as Error).message}). ` +
        'Start a local server (test/global-setup.ts tries) or set LLM_EXTPROC_TEST_PG_URL.',
      { cause: err },
    );
  }
  try {
    await client.query(`CREATE SCHEMA ${schema}`);
  } finally {
    await client.end();
  }
  return {
    url: TEST_PG_URL,
    schema,
    async drop() {
      const c = new pg.Client({ connectionString: TEST_PG_URL });
      await c.connect();
      try {
        await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      } finally {
        await c.end();
      }
    },
  };
}
