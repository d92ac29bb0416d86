/**
 * `llm-extproc cache stats|purge`: the response cache of a running llm-extproc, through its admin
 * API (the memory store lives in that process). The admin address and token come from the
 * config (`admin.address`, or `$LLM_EXTPROC_ADMIN_ADDRESS` as for `serve`; `admin.token`), or `--admin-url`.
 */
import { dirname } from 'node:path';
import { describeSecretRef, resolveSecretRef } from '../access/secret-ref.js';
import { parseAddress } from '../server/address.js';
import { UsageError, type CliIo, type ExitCode } from './io.js';
import { loadConfigFrom, type ServeEnv } from './serve.js';

/** Subcommands of `cache`. */
export const CACHE_SUBCOMMANDS = ['stats', 'purge'] as const;

/** The admin base URL for `admin.address` (a wildcard host is reached on loopback). */
export function adminBaseUrl(address: string): string {
  const parsed = parseAddress(address);
  if (parsed.kind === 'unix') throw new UsageError(`admin.address ${address} is a Unix socket: give --admin-url`);
  const host = parsed.host === '0.0.0.0' || parsed.host === '::' ? '127.0.0.1' : parsed.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${parsed.port}`;
}

/** Runs `cache <sub>`. */
export async function runCache(values: Record<string, unknown>, io: CliIo, env: ServeEnv, positionals: readonly string[], fetchImpl: typeof fetch = fetch): Promise<ExitCode> {
  const [sub, ...rest] = positionals;
  if (sub === undefined || !(CACHE_SUBCOMMANDS as readonly string[]).includes(sub)) {
    throw new UsageError(`cache needs a subcommand: ${CACHE_SUBCOMMANDS.join(', ')}`);
  }
  if (rest.length) throw new UsageError(`cache ${sub} takes no arguments (got ${rest.join(' ')})`);
  const loaded = await loadConfigFrom(values['config'] as string | undefined, env, io.cwd);
  const baseDir = loaded.source === 'embedded default' ? io.cwd : dirname(loaded.source);
  const ref = loaded.config.admin.token;
  if (!ref) {
    io.err('the admin API is off: set admin.token in the config\n');
    return 1;
  }
  const token = await resolveSecretRef(ref, { baseDir, ...(env.readEnv ? { readEnv: env.readEnv } : {}) });
  if (token === undefined) {
    io.err(`admin.token: ${describeSecretRef(ref)} is not set\n`);
    return 1;
  }
  // Without --admin-url: where `serve` is told to listen ($LLM_EXTPROC_ADMIN_ADDRESS), else admin.address.
  const base = typeof values['admin-url'] === 'string' ? values['admin-url'].replace(/\/$/, '') : adminBaseUrl(env.adminAddress || loaded.config.admin.address);
  const filter: Record<string, string> = {};
  for (const f of ['project', 'model', 'rule'] as const) if (typeof values[f] === 'string') filter[f] = values[f];
  if (sub === 'stats' && Object.keys(filter).length) throw new UsageError('cache stats takes no --project, --model or --rule');
  const init: RequestInit =
    sub === 'purge'
      ? { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(filter) }
      : { headers: { authorization: `Bearer ${token}` } };
  let res: Response;
  try {
    res = await fetchImpl(`${base}/admin/cache/${sub}`, init);
  } catch (err) {
    io.err(`cannot reach the admin API at ${base}: ${(err as Error).message}\n`);
    return 1;
  }
  const body = (await res.json().catch(() => ({}))) as Record<string, unknown> & { error?: { code?: string; message?: string } };
  if (res.status === 409 && body.error?.code === 'cache_disabled') {
    // Nothing to report or purge: say so, as an answer rather than a failure.
    if (values['json'] === true) io.out(`${JSON.stringify({ off: true, ...(sub === 'purge' ? { purged: 0 } : {}) }, null, 2)}\n`);
    else io.out(`the response cache is off on this service (no rule caches responses)${sub === 'purge' ? ': nothing purged' : ''}\n`);
    return 0;
  }
  if (!res.ok) {
    io.err(`${res.status}: ${body.error?.message ?? 'the admin API refused the request'}\n`);
    return 1;
  }
  if (values['json'] === true) io.out(`${JSON.stringify(body, null, 2)}\n`);
  else if (sub === 'stats') io.out(`store ${String(body['store'])}: ${String(body['entries'])} entries, ${String(body['bytes'])} bytes\n`);
  else io.out(`purged ${String(body['purged'])} entries\n`);
  return 0;
}
