// Types of file-store.mjs, for TypeScript callers (its tests).
import type { ZodType } from 'zod';
import type { ResponseStoreFactory } from '../../src/index.js';

/** The file store's options. */
export interface FileStoreOptions {
  dir: string;
}
/** Checks `cache.store.options` at load. */
export declare const optionsSchema: ZodType<FileStoreOptions>;
/** The file store's factory. */
declare const createFileStore: ResponseStoreFactory<FileStoreOptions>;
export default createFileStore;
