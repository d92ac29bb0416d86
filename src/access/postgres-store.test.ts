import { expect, it } from 'vitest';
import { createTestSchema } from '../../test/support/postgres.js';
import { createPostgresStore } from './postgres-store.js';
import { accessStoreContract } from './store-contract.js';
import { MIGRATIONS } from '../storage/migrations.js';

accessStoreContract('PostgreSQL', async () => {
  const schema = await createTestSchema();
  const store = createPostgresStore({ url: schema.url, schema: schema.schema });
  return {
    store,
    reopen: async () => createPostgresStore({ url: schema.url, schema: schema.schema }),
    cleanup: async () => {
      await store.close();
      await schema.drop();
    },
  };
});

it('replicas starting together migrate once', async () => {
  const schema = await createTestSchema();
  const stores = [1, 2, 3, 4].map(() => createPostgresStore({ url: schema.url, schema: schema.schema }));
  try {
    expect(await Promise.all(stores.map((s) => s.migrate()))).toEqual(Array(4).fill(MIGRATIONS[MIGRATIONS.length - 1]!.version));
  } finally {
    await Promise.all(stores.map((s) => s.close()));
    await schema.drop();
  }
});

it('refuses a schema name that is not a plain identifier', () => {
  expect(() => createPostgresStore({ url: 'postgres://x@127.0.0.1/x', schema: 'a; DROP TABLE x' })).toThrow(/invalid schema/);
});
