/**
 * Opens the access store a config names (`auth.store`) and applies migrations. A relative
 * SQLite path resolves against the config file's directory, so the service and the CLI given
 * the same config open the same file.
 */
import { resolve } from 'node:path';
import type { Logger } from 'pino';
import type { AuthConfig } from '../config/access-schema.js';
import { createPostgresStore } from './postgres-store.js';
import { describeSecretRef, resolveSecretRef, type SecretSources } from './secret-ref.js';
import { createSqliteStore } from './sqlite-store.js';
import type { AccessStore } from './store.js';

/**
 * Opens and migrates the store of `store`; throws with a clear message when it cannot.
 * `logger` (the service's) gets a warning for each database connection lost meanwhile.
 */
export async function openAccessStore(store: AuthConfig['store'], sources: SecretSources, logger?: Logger): Promise<AccessStore> {
  let opened: AccessStore;
  if (store.driver === 'sqlite') {
    opened = createSqliteStore(resolve(sources.baseDir, store.path));
  } else {
    const url = await resolveSecretRef(store.url, sources);
    if (!url) throw new Error(`auth.store.url: ${describeSecretRef(store.url)} is unset or empty`);
    opened = createPostgresStore({
      url,
      ...(logger ? { onConnectionError: (err: Error) => logger.warn({ err: err.message }, 'PostgreSQL connection lost; the next query reconnects') } : {}),
    });
  }
  try {
    await opened.migrate();
  } catch (err) {
    await opened.close().catch(() => undefined);
    throw new Error(`access store (${store.driver}) could not be opened: ${(err as Error).message}`, { cause: err });
  }
  return opened;
}
