// Example hook module: adds a header from a lookup. The team of each request is looked up in a
// JSON file (by the authenticated gateway key's project, else by a request header) and sent
// upstream in a header, for the provider's or the upstream proxy's own accounting.
//
// Config (see examples/config/hooks.yaml):
//   hooks:
//     - module: ../hooks/team-header.mjs
//       options: { table: ../hooks/teams.json, byHeader: x-user, header: x-team, default: unassigned }
//
// The table is read once per config generation (a reload re-reads it), so lookups cost nothing
// on the request path.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { z } from 'zod';

export const optionsSchema = z.strictObject({
  /** JSON file `{ "<project or header value>": "<team>" }`, relative to the config file. */
  table: z.string().min(1),
  /** Request header to look up when no gateway key authenticated the request. */
  byHeader: z.string().min(1).default('x-user'),
  /** Header to send upstream. */
  header: z.string().min(1).default('x-team'),
  /** Team when the lookup finds nothing (omit: send no header). */
  default: z.string().min(1).optional(),
});

/** @type {import('llm-extproc').HookFactory<{ table: string; byHeader: string; header: string; default?: string }>} */
export default async function createTeamHeader({ options, baseDir }) {
  const entries = JSON.parse(await readFile(resolve(baseDir, options.table), 'utf8'));
  const teams = new Map(Object.entries(entries).filter(([, v]) => typeof v === 'string'));
  const byHeader = options.byHeader.toLowerCase();
  const header = options.header.toLowerCase();
  return {
    name: 'team-header',
    onRequest(req) {
      if (req.kind === 'listing' || req.kind === 'passthrough') return undefined;
      const who = req.caller?.project ?? req.headers[byHeader];
      const team = (who !== undefined ? teams.get(who) : undefined) ?? options.default;
      return team === undefined ? undefined : { headers: { set: [[header, team]] } };
    },
  };
}
