/**
 * Users' hooks, loaded at runtime from `hooks: [{ module, options, timeoutMs, failureMode }]`
 * the way router modules load (ESM or CommonJS, a path relative to the config file's directory
 * or a package name). A module's default export is a {@link HookFactory}; it may also export
 * `optionsSchema` (a Standard Schema, as zod's are) to have its options checked at load, each
 * problem reported with its config path (`hooks[i].options.…`) and line, as routers' are.
 *
 * A hook answers with an error by returning `{ answer: err }` or throwing `err`, where `err` is a
 * `UserFacingError` from `llm-extproc` or any object shaped like one, `{ status, code, message,
 * param? }` with a 4xx or 5xx status (so a module need not import this package's own class):
 * the client gets it in its API's error shape.
 *
 * Each user hook runs isolated: an asynchronous call gets `timeoutMs`; a throw (other than a
 * `UserFacingError`, which is an answer), an overrun or a malformed result is a failure,
 * logged and counted (`llm_extproc.hook.failures`), and then `failureMode: closed` answers the
 * request with 503 while `open` skips the hook for that call.
 */
import type { Meter } from '@opentelemetry/api';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { clientError } from '../error-catalogue.js';
import { UserFacingError, isUserFacing } from '../errors.js';
import { importFactoryModule, ModuleLoadError } from '../modules/import-module.js';
import { moduleOptions } from '../modules/module-options.js';
import type { AttemptHookResult, EarlyHookResult, Hook, RequestHookResult } from './hook.js';
import type { HeaderChanges } from './phase.js';

/** What a hook module's factory gets. */
export interface HookContext<Options = Readonly<Record<string, unknown>>> {
  /** The whole config of this generation. */
  readonly config: Config;
  /** The hook's `options` (validated by the module's `optionsSchema` when it exports one). */
  readonly options: Options;
  /** A child logger named after the module. */
  readonly logger: Logger;
  readonly meter: Meter;
  /** The config file's directory (the process's for the embedded default): for the hook's own relative files. */
  readonly baseDir: string;
}

/** A hook module's default export. Called once per config generation. */
export type HookFactory<Options = Readonly<Record<string, unknown>>> = (context: HookContext<Options>) => Hook | Promise<Hook>;

/** A user hook's settings (`hooks[]` in config). */
export type UserHookConfig = Config['hooks'][number];

/** What loading needs. */
export interface LoadUserHooksDeps {
  /** Directory relative module paths resolve against (the config file's). */
  readonly baseDir: string;
  /** Appended to file URLs so a reload re-imports changed modules. */
  readonly cacheBust?: string;
  readonly logger: Logger;
  readonly meter: Meter;
  readonly config: Config;
  /** The config's YAML text, for the line of a bad option. */
  readonly configText?: string;
}

const HOOK_METHODS = ['onRequestHeaders', 'onRequest', 'onForward', 'onResponseHeaders', 'onResponseBody', 'onOutcome', 'attemptNeedsBody', 'onAttempt', 'onAttemptResponse'] as const;

/** Loads every configured hook, in order. Throws {@link ModuleLoadError} naming the module on any problem. */
export async function loadUserHooks(entries: readonly UserHookConfig[], deps: LoadUserHooksDeps): Promise<Hook[]> {
  const hooks: Hook[] = [];
  for (const [i, entry] of entries.entries()) hooks.push(await loadUserHook(entry, i, deps));
  return hooks;
}

/** Loads `hooks[index]`. Throws {@link ModuleLoadError} naming the module on any problem. */
export async function loadUserHook(entry: UserHookConfig, index: number, deps: LoadUserHooksDeps): Promise<Hook> {
  const failures = deps.meter.createCounter('llm_extproc.hook.failures', { description: 'User hook calls that threw, ran over their budget or answered malformed results', unit: '{call}' });
  const { factory, exports } = await importFactoryModule(entry.module, deps.baseDir, deps.cacheBust);
  const options = (await moduleOptions(exports['optionsSchema'], entry.options, { specifier: entry.module, path: `hooks[${index}].options`, configText: deps.configText })) as Readonly<Record<string, unknown>>;
  let hook: unknown;
  try {
    hook = await (factory as unknown as HookFactory)({ config: deps.config, options, logger: deps.logger.child({ module: entry.module }), meter: deps.meter, baseDir: deps.baseDir });
  } catch (err) {
    throw new ModuleLoadError(entry.module, `factory threw: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  checkShape(entry.module, hook);
  const name = hook.name;
  return isolate(hook, entry, { logger: deps.logger.child({ component: 'hooks', module: entry.module }), count: (method, reason) => failures.add(1, { hook: name, method, reason }) });
}

function checkShape(module: string, hook: unknown): asserts hook is Hook {
  if (typeof hook !== 'object' || hook === null) throw new ModuleLoadError(module, 'factory must return a hook object');
  const h = hook as Record<string, unknown>;
  if (typeof h['name'] !== 'string' || h['name'] === '') throw new ModuleLoadError(module, 'the hook must have a non-empty string name');
  const unknown = Object.keys(h).filter((k) => k !== 'name' && !(HOOK_METHODS as readonly string[]).includes(k) && typeof h[k] === 'function' && /^on[A-Z]/.test(k));
  if (unknown.length) throw new ModuleLoadError(module, `unknown hook method ${unknown.join(', ')} (known: ${HOOK_METHODS.join(', ')})`);
  const methods = HOOK_METHODS.filter((m) => h[m] !== undefined);
  for (const m of methods) if (typeof h[m] !== 'function') throw new ModuleLoadError(module, `${m} must be a function`);
  if (methods.length === 0) throw new ModuleLoadError(module, `the hook implements none of ${HOOK_METHODS.join(', ')}`);
}

class HookTimeoutError extends Error {
  constructor(ms: number) {
    super(`hook exceeded its ${ms} ms budget`);
  }
}

class MalformedResultError extends Error {}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';
}

function checkHeaders(h: unknown): asserts h is HeaderChanges {
  if (typeof h !== 'object' || h === null) throw new MalformedResultError('headers must be an object');
  const { set, remove } = h as { set?: unknown; remove?: unknown };
  if (set !== undefined && !(Array.isArray(set) && set.every((e) => Array.isArray(e) && e.length === 2 && typeof e[0] === 'string' && typeof e[1] === 'string' && !/[\r\n\0]/.test(e[1])))) {
    throw new MalformedResultError('headers.set must be [name, value] string pairs without CR, LF or NUL');
  }
  if (remove !== undefined && !(Array.isArray(remove) && remove.every((e) => typeof e === 'string'))) throw new MalformedResultError('headers.remove must be strings');
}

/** An error answer shaped like a UserFacingError, from a module that does not import ours (undefined when it is none). */
export function asUserFacing(v: unknown): UserFacingError | undefined {
  if (isUserFacing(v)) return v;
  const e = v as { status?: unknown; code?: unknown; message?: unknown; param?: unknown } | null;
  if (typeof e !== 'object' || e === null || typeof e.status !== 'number' || !Number.isInteger(e.status) || e.status < 400 || e.status > 599) return undefined;
  if (typeof e.code !== 'string' || e.code === '' || typeof e.message !== 'string') return undefined;
  return new UserFacingError(e.status as UserFacingError['status'], e.code, e.message, typeof e.param === 'string' ? e.param : undefined);
}

/** `r` checked, with an error answer shaped like a UserFacingError made one. Throws MalformedResultError. */
function checkResult<T>(r: T): T {
  if (r === undefined || r === null) return r;
  if (typeof r !== 'object') throw new MalformedResultError(`a hook returns an object or nothing, not ${typeof r}`);
  const o = r as Record<string, unknown>;
  if ('answer' in o) {
    const a = o['answer'];
    const err = asUserFacing(a);
    if (err) return (err === a ? r : { ...o, answer: err }) as T;
    const l = a as { status?: unknown; headers?: unknown; body?: unknown; details?: unknown } | null;
    if (!l || typeof l.status !== 'number' || !Number.isInteger(l.status) || l.status < 200 || l.status > 599 || !Buffer.isBuffer(l.body) || typeof l.details !== 'string' || !Array.isArray(l.headers)) {
      throw new MalformedResultError('answer must be a UserFacingError or { status, headers, body: Buffer, details }');
    }
    checkHeaders({ set: l.headers });
    return r;
  }
  if (o['headers'] !== undefined) checkHeaders(o['headers']);
  if (o['body'] !== undefined && !Buffer.isBuffer(o['body'])) throw new MalformedResultError('body must be a Buffer');
  const c = o['caller'] as { id?: unknown; project?: unknown } | undefined;
  if (c !== undefined && (typeof c !== 'object' || c === null || typeof c.id !== 'string' || typeof c.project !== 'string')) throw new MalformedResultError('caller must be { id, project } strings');
  return r;
}

/** The problem with a hook's `onRequest`/`onAttempt` result, or undefined when it is well formed. */
export function hookResultProblem(r: unknown): string | undefined {
  try {
    checkResult(r);
    return undefined;
  } catch (err) {
    if (err instanceof MalformedResultError) return err.message;
    throw err;
  }
}

/** `hook` with its request-path methods bounded by the entry's budget and failure mode. */
function isolate(hook: Hook, entry: UserHookConfig, deps: { logger: Logger; count: (method: string, reason: string) => void }): Hook {
  const failed = <T>(method: string, err: unknown): T | undefined => {
    const reason = err instanceof HookTimeoutError ? 'timeout' : err instanceof MalformedResultError ? 'malformed' : 'error';
    deps.count(method, reason);
    deps.logger.error({ err, method, reason }, 'user hook failed');
    if (entry.failureMode === 'open') return undefined;
    throw clientError('hook_unavailable');
  };
  const call = async <T>(method: string, fn: () => T | PromiseLike<T>): Promise<T | undefined> => {
    let timer: NodeJS.Timeout | undefined;
    try {
      const r = fn();
      const result = isThenable(r)
        ? await Promise.race([
            r,
            new Promise<never>((_, reject) => {
              timer = setTimeout(() => reject(new HookTimeoutError(entry.timeoutMs)), entry.timeoutMs);
            }),
          ])
        : r;
      return checkResult(result) as T;
    } catch (err) {
      const answer = asUserFacing(err);
      if (answer) throw answer;
      return failed<T>(method, err);
    } finally {
      clearTimeout(timer);
    }
  };
  const wrapped: { -readonly [K in keyof Hook]: Hook[K] } = { name: hook.name };
  if (hook.onRequestHeaders) wrapped.onRequestHeaders = (req) => call<EarlyHookResult>('onRequestHeaders', () => hook.onRequestHeaders!(req));
  if (hook.onRequest) wrapped.onRequest = (req) => call<RequestHookResult>('onRequest', () => hook.onRequest!(req));
  if (hook.onAttempt) wrapped.onAttempt = (a) => call<AttemptHookResult>('onAttempt', () => hook.onAttempt!(a));
  if (hook.attemptNeedsBody) {
    wrapped.attemptNeedsBody = (a) => {
      try {
        return hook.attemptNeedsBody!(a) === true;
      } catch (err) {
        deps.count('attemptNeedsBody', 'error');
        deps.logger.error({ err }, 'user hook failed');
        return false;
      }
    };
  }
  // Observers: the processor logs their throws; they cannot answer.
  if (hook.onForward) wrapped.onForward = hook.onForward.bind(hook);
  if (hook.onResponseHeaders) {
    wrapped.onResponseHeaders = (res, req, ctx) => {
      const r = hook.onResponseHeaders!(res, req, ctx);
      if (r) checkHeaders(r);
      return r;
    };
  }
  if (hook.onAttemptResponse) {
    wrapped.onAttemptResponse = (res, attempt) => {
      const r = hook.onAttemptResponse!(res, attempt);
      if (r) checkHeaders(r);
      return r;
    };
  }
  if (hook.onResponseBody) wrapped.onResponseBody = hook.onResponseBody.bind(hook);
  if (hook.onOutcome) wrapped.onOutcome = hook.onOutcome.bind(hook);
  return wrapped;
}
