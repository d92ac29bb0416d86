// Example response store module: keeps the response cache's entries as files in a directory, so
// they survive a restart of the service (one replica, or several sharing a network file system).
//
// Config (see examples/config/file-store.yaml):
//   cache:
//     enabled: true
//     store:
//       module: ../stores/file-store.mjs
//       options: { dir: ../../data/response-cache }
//
// Each entry is one file named by a hash of its key: a first line of JSON (the key's tags, when
// it expires, and the response's status, headers, usage and price), then the body's bytes as
// they are. A write goes to a temporary file renamed over the entry, so a reader never sees half
// of one. Expired entries are never answered, and are removed when stats or purge walk the
// directory. Errors are left to reject: the cache counts them and answers the request as a miss.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { z } from 'zod';

export const optionsSchema = z.strictObject({
  /** Directory of the entry files, relative to the config file; created on the first write. */
  dir: z.string().min(1),
});

const SUFFIX = '.entry';
const NEWLINE = 0x0a;

/** @param {import('llm-extproc').CacheKey} key */
function fileName(key) {
  const id = JSON.stringify([key.project, key.rule, key.model, key.digest]);
  return createHash('sha256').update(id).digest('hex') + SUFFIX;
}

/**
 * The entry file at `path` read back, or undefined when there is none.
 * @param {string} path
 */
async function readEntry(path) {
  let bytes;
  try {
    bytes = await readFile(path);
  } catch (err) {
    if (/** @type {NodeJS.ErrnoException} */ (err).code === 'ENOENT') return undefined;
    throw err;
  }
  const end = bytes.indexOf(NEWLINE);
  const head = JSON.parse(bytes.subarray(0, end).toString('utf8'));
  return { head, body: bytes.subarray(end + 1), size: bytes.length };
}

/** Removes `path`; one already gone is fine. @param {string} path */
const remove = (path) => rm(path, { force: true });

/** @type {import('llm-extproc').ResponseStoreFactory<{ dir: string }>} */
export default function createFileStore({ options, baseDir, logger }) {
  const dir = resolve(baseDir, options.dir);
  logger.info({ dir }, 'file store opened');

  /** Every live entry: its path, key tags and size; expired ones are removed on the way. */
  async function* entries() {
    let names;
    try {
      names = await readdir(dir);
    } catch (err) {
      if (/** @type {NodeJS.ErrnoException} */ (err).code === 'ENOENT') return;
      throw err;
    }
    for (const name of names.filter((n) => n.endsWith(SUFFIX))) {
      const path = join(dir, name);
      const entry = await readEntry(path);
      if (!entry) continue;
      if (entry.head.expiresAt <= Date.now()) await remove(path);
      else yield { path, key: entry.head.key, size: entry.size };
    }
  }

  return {
    kind: 'file',

    async get(key) {
      const path = join(dir, fileName(key));
      const entry = await readEntry(path);
      // An expired entry is left for stats or purge to sweep: removing it here could remove a fresh one written meanwhile.
      if (!entry || entry.head.expiresAt <= Date.now()) return undefined;
      return { ...entry.head.value, body: entry.body };
    },

    async set(key, value, ttlMs) {
      const { body, ...rest } = value;
      const head = JSON.stringify({ key, expiresAt: Date.now() + ttlMs, value: rest });
      const path = join(dir, fileName(key));
      const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
      await mkdir(dir, { recursive: true });
      await writeFile(temporary, Buffer.concat([Buffer.from(`${head}\n`, 'utf8'), body]));
      await rename(temporary, path);
    },

    async purge(filter) {
      let removed = 0;
      for await (const { path, key } of entries()) {
        const matches = ['project', 'model', 'rule'].every((tag) => filter[tag] === undefined || filter[tag] === key[tag]);
        if (!matches) continue;
        await remove(path);
        removed++;
      }
      return removed;
    },

    async stats() {
      let count = 0;
      let bytes = 0;
      for await (const { size } of entries()) {
        count++;
        bytes += size;
      }
      return { entries: count, bytes };
    },

    async close() {
      // Nothing is held open between calls.
      logger.info({ dir }, 'file store closed');
    },
  };
}
