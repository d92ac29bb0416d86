import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { createSqliteStore } from './sqlite-store.js';
import { accessStoreContract } from './store-contract.js';
import { MIGRATIONS } from '../storage/migrations.js';

accessStoreContract('SQLite file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'access-sqlite-'));
  const file = join(dir, 'nested', 'store.db');
  const store = createSqliteStore(file);
  return {
    store,
    reopen: async () => createSqliteStore(file),
    cleanup: async () => {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

it('creates the file and its directory on first start', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'access-sqlite-'));
  try {
    const file = join(dir, 'a', 'b', 'keys.db');
    const store = createSqliteStore(file);
    expect(await store.migrate()).toBe(MIGRATIONS[MIGRATIONS.length - 1]!.version);
    expect(store.driver).toBe('sqlite');
    await store.close();
    expect((await stat(file)).isFile()).toBe(true);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
