// Types of team-header.mjs, for TypeScript callers (its tests).
import type { ZodType } from 'zod';
import type { HookFactory } from '../../src/index.js';

/** The team-header hook's options. */
export interface TeamHeaderOptions {
  table: string;
  byHeader: string;
  header: string;
  default?: string;
}
/** Checks `hooks[].options` at load. */
export declare const optionsSchema: ZodType<TeamHeaderOptions>;
/** The team-header hook's factory. */
declare const createTeamHeader: HookFactory<TeamHeaderOptions>;
export default createTeamHeader;
