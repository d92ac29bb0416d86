/**
 * `llm-extproc keys …` and `llm-extproc projects …`: manage gateway keys and projects directly
 * in the store the config names (`auth.store`), audited with actor `cli:<user>`. A key's secret
 * is printed once, by `keys create`.
 */
import { userInfo } from 'node:os';
import { dirname } from 'node:path';
import { keyView, projectView } from '../access/admin-views.js';
import { parseDuration } from '../access/duration.js';
import { generateSecret, hashSecret } from '../access/key-secret.js';
import { projectNameSchema } from '../access/key-input.js';
import { StoreError, type AccessStore, type KeyPatch, type Project, type RateLimitOverride, type StoredKey } from '../access/store.js';
import { ConfigError } from '../config/load.js';
import { UsageError, type CliIo, type ExitCode } from './io.js';
import { loadConfigFrom, type ServeEnv } from './serve.js';

/** Subcommands of `keys`. */
export const KEYS_SUBCOMMANDS = ['create', 'list', 'get', 'revoke', 'update'] as const;
/** Subcommands of `projects`. */
export const PROJECTS_SUBCOMMANDS = ['create', 'list', 'activate', 'deactivate', 'limits'] as const;

/** The actor recorded in the audit log for CLI changes. */
export function cliActor(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return 'cli:unknown';
  }
}

async function openStore(values: Record<string, unknown>, io: CliIo, env: ServeEnv): Promise<AccessStore> {
  const loaded = await loadConfigFrom(values['config'] as string | undefined, env, io.cwd);
  const baseDir = loaded.source === 'embedded default' ? io.cwd : dirname(loaded.source);
  const { openAccessStore } = await import('../access/open-store.js');
  return openAccessStore(loaded.config.auth.store, { baseDir, ...(env.readEnv ? { readEnv: env.readEnv } : {}) });
}

function subcommand(positionals: readonly string[], allowed: readonly string[], command: string): { sub: string; args: string[] } {
  const [sub, ...args] = positionals;
  if (sub === undefined) throw new UsageError(`${command} needs a subcommand: ${allowed.join(', ')}`);
  if (!allowed.includes(sub)) throw new UsageError(`unknown subcommand ${JSON.stringify(sub)}; expected one of ${allowed.join(', ')}`);
  return { sub, args };
}

function oneArg(args: readonly string[], what: string, sub: string): string {
  if (args.length !== 1 || !args[0]) throw new UsageError(`${sub} takes exactly one ${what}`);
  return args[0];
}

function noArgs(args: readonly string[], sub: string): void {
  if (args.length > 0) throw new UsageError(`${sub} takes no arguments (got ${args.map((a) => JSON.stringify(a)).join(' ')})`);
}

/** `--models a,b --models c` → [a, b, c]; absent → undefined; `''` → [] (any). */
function list(values: Record<string, unknown>, flag: string): string[] | undefined {
  const v = values[flag] as string[] | undefined;
  if (v === undefined) return undefined;
  return v.flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);
}

/** `--expires 30d` / ISO time / `never`. */
function expiresFlag(values: Record<string, unknown>, now: number): number | null | undefined {
  const v = values['expires'] as string | undefined;
  if (v === undefined) return undefined;
  if (v === 'never') return null;
  const d = parseDuration(v);
  if (d !== undefined) return now + d;
  const t = /^\d{4}-\d{2}-\d{2}/.test(v) ? Date.parse(v) : NaN;
  if (Number.isNaN(t)) throw new UsageError(`--expires must be a duration (30d, 12h), an ISO date or "never" (got ${JSON.stringify(v)})`);
  return t;
}

/** `--max-requests N` / `none`. */
function maxRequestsFlag(values: Record<string, unknown>): number | null | undefined {
  const v = values['max-requests'] as string | undefined;
  if (v === undefined) return undefined;
  if (v === 'none') return null;
  if (!/^[1-9][0-9]{0,14}$/.test(v)) throw new UsageError(`--max-requests must be a positive integer or "none" (got ${JSON.stringify(v)})`);
  return Number(v);
}

/** `--rpm N|none` and `--tpm N|none`: a key's or project's own per-minute limits; undefined when neither flag is given, null for `none` on both. */
function rateLimitFlags(values: Record<string, unknown>): RateLimitOverride | null | undefined {
  const read = (flag: 'rpm' | 'tpm'): number | null | undefined => {
    const v = values[flag] as string | undefined;
    if (v === undefined) return undefined;
    if (v === 'none') return null;
    if (!/^[1-9][0-9]{0,14}$/.test(v)) throw new UsageError(`--${flag} must be a positive integer or "none" (got ${JSON.stringify(v)})`);
    return Number(v);
  };
  const rpm = read('rpm');
  const tpm = read('tpm');
  if (rpm === undefined && tpm === undefined) return undefined;
  const limits = { ...(rpm ? { requestsPerMinute: rpm } : {}), ...(tpm ? { tokensPerMinute: tpm } : {}) };
  return Object.keys(limits).length ? limits : null;
}

function printKey(io: CliIo, k: StoredKey): void {
  const v = keyView(k);
  const restrictions = [
    k.allowedModels.length ? `models=${k.allowedModels.join(',')}` : 'models=any',
    k.allowedRules.length ? `rules=${k.allowedRules.join(',')}` : 'rules=any',
    `requests=${k.requestCount}${k.maxRequests === null ? '' : `/${k.maxRequests}`}`,
    ...(k.rateLimits ? [`limits=${[k.rateLimits.requestsPerMinute ? `${k.rateLimits.requestsPerMinute} rpm` : '', k.rateLimits.tokensPerMinute ? `${k.rateLimits.tokensPerMinute} tpm` : ''].filter(Boolean).join(',')}`] : []),
    `expires=${(v['expiresAt'] as string | null) ?? 'never'}`,
  ];
  io.out(`${k.id}  ${k.project}/${k.name}  ${k.revoked ? 'REVOKED' : 'active'}  ${restrictions.join('  ')}\n`);
}

/** Runs a store action, mapping refusals to exit 1 with a message; closes the store. */
async function withStore(values: Record<string, unknown>, io: CliIo, env: ServeEnv, command: string, fn: (store: AccessStore) => Promise<ExitCode>): Promise<ExitCode> {
  let store: AccessStore;
  try {
    store = await openStore(values, io, env);
  } catch (err) {
    io.err(`llm-extproc ${command}: ${err instanceof ConfigError ? err.message : (err as Error).message}\n`);
    return 1;
  }
  try {
    return await fn(store);
  } catch (err) {
    if (err instanceof StoreError) {
      io.err(`llm-extproc ${command}: ${err.message}\n`);
      return 1;
    }
    throw err;
  } finally {
    await store.close();
  }
}

/** What `keys create` says when its project does not exist: the command that creates it. */
export function missingProjectMessage(project: string, values: Record<string, unknown>): string {
  const config = typeof values['config'] === 'string' ? ` --config ${shellWord(values['config'])}` : '';
  return `project ${JSON.stringify(project)} does not exist: create it first with \`llm-extproc projects create ${shellWord(project)}${config}\``;
}

/** `word` as one shell word (quoted when it holds anything but safe characters). */
function shellWord(word: string): string {
  return /^[\w./:=@%+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** `llm-extproc keys <create|list|get|revoke|update>`. */
export async function runKeys(values: Record<string, unknown>, io: CliIo, env: ServeEnv, positionals: readonly string[], now: () => number = Date.now): Promise<ExitCode> {
  const { sub, args } = subcommand(positionals, KEYS_SUBCOMMANDS, 'keys');
  const json = values['json'] === true;
  const change = () => ({ actor: cliActor(), at: now() });
  const notFound = (id: string): ExitCode => {
    io.err(`llm-extproc keys ${sub}: key ${JSON.stringify(id)} does not exist\n`);
    return 1;
  };
  switch (sub) {
    case 'create': {
      noArgs(args, 'keys create');
      const project = values['project'] as string | undefined;
      const name = values['name'] as string | undefined;
      if (!project || !name) throw new UsageError('keys create needs --project and --name');
      const at = now();
      const expiresAt = expiresFlag(values, at) ?? null;
      const maxRequests = maxRequestsFlag(values) ?? null;
      const rateLimits = rateLimitFlags(values) ?? null;
      return withStore(values, io, env, 'keys create', async (store) => {
        const { id, secret } = generateSecret();
        const key = await store.createKey(
          {
            id,
            project,
            name,
            secretHash: hashSecret(secret),
            createdAt: at,
            expiresAt,
            maxRequests,
            allowedModels: list(values, 'models') ?? [],
            allowedRules: list(values, 'rules') ?? [],
            rateLimits,
          },
          { actor: cliActor(), at },
        ).catch((err: unknown) => {
          if (err instanceof StoreError && err.code === 'not_found') throw new StoreError('not_found', missingProjectMessage(project, values));
          throw err;
        });
        if (json) io.out(`${JSON.stringify({ key: keyView(key), secret }, null, 2)}\n`);
        else {
          printKey(io, key);
          io.out(`secret: ${secret}\n`);
          io.err('Store the secret now: it is not shown again.\n');
        }
        return 0;
      });
    }
    case 'list': {
      noArgs(args, 'keys list');
      const project = values['project'] as string | undefined;
      return withStore(values, io, env, 'keys list', async (store) => {
        const keys = await store.listKeys(project === undefined ? {} : { project });
        if (json) io.out(`${JSON.stringify({ keys: keys.map(keyView) }, null, 2)}\n`);
        else for (const k of keys) printKey(io, k);
        return 0;
      });
    }
    case 'get':
    case 'revoke': {
      const id = oneArg(args, 'key id', `keys ${sub}`);
      return withStore(values, io, env, `keys ${sub}`, async (store) => {
        const key = sub === 'get' ? await store.getKey(id) : await store.revokeKey(id, change());
        if (!key) return notFound(id);
        if (json) io.out(`${JSON.stringify({ key: keyView(key) }, null, 2)}\n`);
        else printKey(io, key);
        return 0;
      });
    }
    default: {
      const id = oneArg(args, 'key id', 'keys update');
      const at = now();
      const expiresAt = expiresFlag(values, at);
      const maxRequests = maxRequestsFlag(values);
      const rateLimits = rateLimitFlags(values);
      const models = list(values, 'models');
      const rules = list(values, 'rules');
      const name = values['name'] as string | undefined;
      const patch: KeyPatch = {
        ...(name !== undefined ? { name } : {}),
        ...(models !== undefined ? { allowedModels: models } : {}),
        ...(rules !== undefined ? { allowedRules: rules } : {}),
        ...(expiresAt !== undefined ? { expiresAt } : {}),
        ...(maxRequests !== undefined ? { maxRequests } : {}),
        ...(rateLimits !== undefined ? { rateLimits } : {}),
      };
      if (Object.keys(patch).length === 0) throw new UsageError('keys update needs at least one of --name, --models, --rules, --expires, --max-requests, --rpm, --tpm');
      return withStore(values, io, env, 'keys update', async (store) => {
        const key = await store.updateKey(id, patch, { actor: cliActor(), at });
        if (!key) return notFound(id);
        if (json) io.out(`${JSON.stringify({ key: keyView(key) }, null, 2)}\n`);
        else printKey(io, key);
        return 0;
      });
    }
  }
}

/** `llm-extproc projects <create|list|activate|deactivate|limits>`. */
export async function runProjects(values: Record<string, unknown>, io: CliIo, env: ServeEnv, positionals: readonly string[], now: () => number = Date.now): Promise<ExitCode> {
  const { sub, args } = subcommand(positionals, PROJECTS_SUBCOMMANDS, 'projects');
  const json = values['json'] === true;
  const print = (p: Project) => {
    const l = p.rateLimits;
    const limits = l ? `  limits ${[l.requestsPerMinute ? `${l.requestsPerMinute} rpm` : '', l.tokensPerMinute ? `${l.tokensPerMinute} tpm` : ''].filter(Boolean).join(', ')}` : '';
    io.out(json ? `${JSON.stringify({ project: projectView(p) }, null, 2)}\n` : `${p.name}  ${p.active ? 'active' : 'INACTIVE'}  created ${new Date(p.createdAt).toISOString()}${limits}\n`);
  };
  if (sub === 'list') {
    noArgs(args, 'projects list');
    return withStore(values, io, env, 'projects list', async (store) => {
      const projects = await store.listProjects();
      if (json) io.out(`${JSON.stringify({ projects: projects.map(projectView) }, null, 2)}\n`);
      else for (const p of projects) print(p);
      return 0;
    });
  }
  const name = oneArg(args, 'project name', `projects ${sub}`);
  if (!projectNameSchema.safeParse(name).success) throw new UsageError(`invalid project name ${JSON.stringify(name)}: use 1-64 letters, digits, ".", "_" or "-"`);
  const limits = sub === 'limits' ? rateLimitFlags(values) : undefined;
  if (sub === 'limits' && limits === undefined) throw new UsageError('projects limits needs --rpm and/or --tpm (a number, or none)');
  return withStore(values, io, env, `projects ${sub}`, async (store) => {
    const change = { actor: cliActor(), at: now() };
    const project =
      sub === 'create'
        ? await store.createProject(name, change)
        : sub === 'limits'
          ? await store.setProjectRateLimits(name, limits ?? null, change)
          : await store.setProjectActive(name, sub === 'activate', change);
    if (!project) {
      io.err(`llm-extproc projects ${sub}: project ${JSON.stringify(name)} does not exist\n`);
      return 1;
    }
    print(project);
    return 0;
  });
}
