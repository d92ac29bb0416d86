/**
 * `llm-extproc project-credentials …`: set, list and remove a project's own provider
 * credentials in the key store of the config, and re-encrypt them under the current data key
 * after a rotation. Audited as `cli:<user>`. The value is read from a file or an environment
 * variable (never from the command line, where other users of the machine could see it) and
 * never printed.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { projectCredentialView } from '../access/admin-views.js';
import { loadCredentialCipher, type CredentialCipher } from '../access/credential-cipher.js';
import { describeZodError, projectNameSchema, providerNameSchema, providerSecretSchema } from '../access/key-input.js';
import { reencryptProjectCredentials, setProjectCredential } from '../access/project-credentials.js';
import type { AccessStore, ProjectCredentialInfo } from '../access/store.js';
import { ConfigError, type LoadedConfig } from '../config/load.js';
import { cliActor } from './access-commands.js';
import { UsageError, type CliIo, type ExitCode } from './io.js';
import { loadConfigFrom, type ServeEnv } from './serve.js';

/** Subcommands of `project-credentials`. */
export const PROJECT_CREDENTIALS_SUBCOMMANDS = ['set', 'remove', 'list', 'reencrypt'] as const;

function checked<T>(schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: import('zod').ZodError } }, value: unknown, what: string): T {
  const r = schema.safeParse(value);
  if (!r.success) throw new UsageError(`${what}: ${describeZodError(r.error)}`);
  return r.data;
}

async function secretOf(values: Record<string, unknown>, io: CliIo, env: ServeEnv): Promise<string> {
  const file = values['secret-file'] as string | undefined;
  const variable = values['secret-env'] as string | undefined;
  if ((file === undefined) === (variable === undefined)) throw new UsageError('project-credentials set needs exactly one of --secret-file FILE or --secret-env NAME');
  let text: string | undefined;
  if (file !== undefined) {
    try {
      text = await readFile(resolve(io.cwd, file), 'utf8');
    } catch (err) {
      throw new UsageError(`--secret-file: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
    }
  } else {
    text = env.readEnv?.(variable!);
    if (!text) throw new UsageError(`--secret-env: ${variable} is unset or empty`);
  }
  // A trailing newline from `echo … > file` is not part of the secret.
  return checked(providerSecretSchema, text.replace(/\r?\n$/, ''), 'the secret');
}

function print(io: CliIo, json: boolean, c: ProjectCredentialInfo, verb?: string): void {
  if (json) io.out(`${JSON.stringify({ credential: projectCredentialView(c) }, null, 2)}\n`);
  else io.out(`${c.project}/${c.provider}  key=${c.keyId}  updated ${new Date(c.updatedAt).toISOString()}${verb ? `  ${verb}` : ''}\n`);
}

/** `llm-extproc project-credentials <set|remove|list|reencrypt>`. */
export async function runProjectCredentials(
  values: Record<string, unknown>,
  io: CliIo,
  env: ServeEnv,
  positionals: readonly string[],
  now: () => number = Date.now,
): Promise<ExitCode> {
  const [sub, ...args] = positionals;
  if (sub === undefined) throw new UsageError(`project-credentials needs a subcommand: ${PROJECT_CREDENTIALS_SUBCOMMANDS.join(', ')}`);
  if (!(PROJECT_CREDENTIALS_SUBCOMMANDS as readonly string[]).includes(sub)) {
    throw new UsageError(`unknown subcommand ${JSON.stringify(sub)}; expected one of ${PROJECT_CREDENTIALS_SUBCOMMANDS.join(', ')}`);
  }
  const json = values['json'] === true;
  const needs = sub === 'set' || sub === 'remove' ? 2 : sub === 'list' ? -1 : 0;
  if (needs === 2 && args.length !== 2) throw new UsageError(`project-credentials ${sub} takes a project and a provider`);
  if (needs === 0 && args.length !== 0) throw new UsageError(`project-credentials ${sub} takes no arguments`);
  if (needs === -1 && args.length > 1) throw new UsageError('project-credentials list takes at most a project');
  const project = args[0] === undefined ? undefined : checked(projectNameSchema, args[0], 'project');
  const provider = args[1] === undefined ? undefined : checked(providerNameSchema, args[1], 'provider');
  const secret = sub === 'set' ? await secretOf(values, io, env) : undefined;

  let loaded: LoadedConfig;
  let store: AccessStore;
  const baseDirOf = (l: LoadedConfig) => (l.source === 'embedded default' ? io.cwd : dirname(l.source));
  try {
    loaded = await loadConfigFrom(values['config'] as string | undefined, env, io.cwd);
    const { openAccessStore } = await import('../access/open-store.js');
    store = await openAccessStore(loaded.config.auth.store, { baseDir: baseDirOf(loaded), ...(env.readEnv ? { readEnv: env.readEnv } : {}) });
  } catch (err) {
    io.err(`llm-extproc project-credentials ${sub}: ${err instanceof ConfigError ? err.message : (err as Error).message}\n`);
    return 1;
  }
  const cipher = async (): Promise<CredentialCipher> => {
    const keys = loaded.config.auth.providerCredentials;
    if (!keys) throw new Error('auth.providerCredentials is not configured: name a data key there first');
    return loadCredentialCipher(keys, { baseDir: baseDirOf(loaded), ...(env.readEnv ? { readEnv: env.readEnv } : {}) });
  };
  const change = () => ({ actor: cliActor(), at: now() });
  try {
    switch (sub) {
      case 'set': {
        print(io, json, await setProjectCredential(store, await cipher(), { project: project!, provider: provider!, secret: secret! }, change()), json ? undefined : 'set');
        return 0;
      }
      case 'remove': {
        const removed = await store.removeProjectCredential(project!, provider!, change());
        if (!removed) {
          io.err(`llm-extproc project-credentials remove: project ${JSON.stringify(project)} has no credential for ${JSON.stringify(provider)}\n`);
          return 1;
        }
        print(io, json, removed, json ? undefined : 'removed');
        return 0;
      }
      case 'list': {
        const list = await store.listProjectCredentials(project === undefined ? {} : { project });
        if (json) io.out(`${JSON.stringify({ credentials: list.map(projectCredentialView) }, null, 2)}\n`);
        else for (const c of list) print(io, false, c);
        return 0;
      }
      default: {
        const c = await cipher();
        const result = await reencryptProjectCredentials(store, c, change());
        if (json) io.out(`${JSON.stringify({ keyId: c.currentKeyId, ...result }, null, 2)}\n`);
        else {
          io.out(`re-encrypted ${result.reencrypted} credential(s) under data key ${c.currentKeyId}; ${result.skipped} changed meanwhile (run again)\n`);
          for (const u of result.unreadable) io.err(`cannot decrypt ${u.project}/${u.provider}: its data key ${JSON.stringify(u.keyId)} is not configured (previousDataKeys)\n`);
        }
        return result.unreadable.length > 0 ? 1 : 0;
      }
    }
  } catch (err) {
    // A missing project (StoreError), an unreadable data key, a store failure: said, exit 1.
    if (!(err instanceof Error)) throw err;
    io.err(`llm-extproc project-credentials ${sub}: ${err.message}\n`);
    return 1;
  } finally {
    await store.close();
  }
}
