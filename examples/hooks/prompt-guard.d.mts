// Types of prompt-guard.mjs, for TypeScript callers (its tests).
import type { ZodType } from 'zod';
import type { HookFactory } from '../../src/index.js';

/** Checks `hooks[].options` at load. */
export declare const optionsSchema: ZodType<{ patterns: string[]; code: string }>;
/** The prompt guard's factory. */
declare const createPromptGuard: HookFactory<{ patterns: string[]; code: string }>;
export default createPromptGuard;
