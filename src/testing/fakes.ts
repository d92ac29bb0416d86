/**
 * Stand-ins for what the service hands router and metrics modules, for users' tests: request
 * facts, factory contexts with a real config, and the module loaders the service runs (so a test
 * also checks the module's `optionsSchema` and default export).
 */
import { createNoopMeter, type Meter } from '@opentelemetry/api';
import { pino } from 'pino';
import { loadEmbeddedDefault, parseConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { createGenAiMetrics } from '../metrics/genai-metrics.js';
import { loadMetricsFactory } from '../metrics/load-metrics-module.js';
import type { MetricsContext, MetricsOptions, RequestMetricsFactory, RequestStart } from '../metrics/request-metrics.js';
import { loadRouter } from '../routing/load-router.js';
import type { ResponseStore } from '../cache/response-store.js';
import { loadStoreModule } from '../cache/store-module.js';
import type { RouteRequest, Router, RouterContext, RouterOptions } from '../routing/router.js';

/** The facts a request starts with (`startRequest`'s second argument); an OpenAI chat request unless overridden. */
export function fakeRequestStart(over: Partial<RequestStart> = {}): RequestStart {
  return { api: 'openai.chat_completions', operation: 'chat', provider: 'openai', ...over };
}

/**
 * What a router's `calculate` gets as its second argument: an OpenAI chat request for `model`
 * (default `gpt-4o-mini`) unless overridden; `body()` answers `body` (default: the model and one message).
 */
export function fakeRouteRequest(over: Partial<Omit<RouteRequest, 'body'>> & { body?: unknown } = {}): RouteRequest {
  const { body, ...facts } = over;
  const model = 'model' in over ? over.model : 'gpt-4o-mini';
  const parsed = body !== undefined ? body : { model, messages: [{ role: 'user', content: 'hi' }] };
  return { api: 'openai.chat_completions', stream: false, method: 'POST', path: '/v1/chat/completions', ...facts, model, body: () => parsed };
}

/** The embedded default config (rules `openai`, `anthropic`, `gemini` by model prefix). */
function defaultConfig(): Config {
  return loadEmbeddedDefault().config;
}

/**
 * A router factory's context for tests: `options`, the embedded default config with the
 * top-level keys of `config` over it, a silent logger and a no-op meter.
 */
export function fakeRouterContext<Options = RouterOptions>(options: Options = {} as Options, config: Partial<Config> = {}): RouterContext<Options> {
  return { options, config: { ...defaultConfig(), ...config }, logger: pino({ level: 'silent' }), meter: createNoopMeter() };
}

/**
 * A metrics factory's context for tests: `options`, the built-in GenAI metrics recording on
 * `meter` as `defaultFactory`, the embedded default config with the top-level keys of `config`
 * over it, and a silent logger.
 */
export function fakeMetricsContext<Options = MetricsOptions>(options: Options = {} as Options, meter: Meter = createNoopMeter(), config: Partial<Config> = {}): MetricsContext<Options> {
  const logger = pino({ level: 'silent' });
  return { options, config: { ...defaultConfig(), ...config }, logger, defaultFactory: createGenAiMetrics(meter, { requestHeaderAttributes: {}, maxAttributeValues: 100, logger }) };
}

/** Where a module under test is and what it gets. */
export interface LoadModuleOptions {
  /** Directory the specifier is resolved from (where the config file would be). */
  readonly baseDir: string;
  /** `router.options` / `metrics.options` / `cache.store.options` as they would be written in the config. */
  readonly options?: Readonly<Record<string, unknown>>;
  /** The meter (default: a no-op meter). */
  readonly meter?: Meter;
}

function configWith(section: 'router' | 'metrics', specifier: string, options: Readonly<Record<string, unknown>>): { config: Config; text: string } {
  const base = defaultConfig();
  const text = JSON.stringify({ rules: base.rules, [section]: { module: specifier, options } }, null, 2);
  return { config: parseConfig(text, 'test config').config, text };
}

/**
 * Loads a metrics module as the service does — import, `optionsSchema` check, factory call —
 * with the built-in GenAI metrics on `meter` as its default factory. Throws the service's
 * load errors (`module "…": …`, option problems with their `metrics.options…` path).
 */
export async function loadMetricsModule(specifier: string, opts: LoadModuleOptions): Promise<RequestMetricsFactory> {
  const { config, text } = configWith('metrics', specifier, opts.options ?? {});
  const meter = opts.meter ?? createNoopMeter();
  const logger = pino({ level: 'silent' });
  const defaultFactory = createGenAiMetrics(meter, { requestHeaderAttributes: {}, maxAttributeValues: 100, logger });
  return loadMetricsFactory(config.metrics, { baseDir: opts.baseDir, meter, logger, config, defaultFactory, configText: text });
}

/**
 * Loads a router module as the service does, over the default router of the embedded default
 * config's rules. Throws the service's load errors.
 */
export async function loadRouterModule(specifier: string, opts: LoadModuleOptions): Promise<Router> {
  const { config, text } = configWith('router', specifier, opts.options ?? {});
  return (await loadRouter(config, { baseDir: opts.baseDir, logger: pino({ level: 'silent' }), meter: opts.meter ?? createNoopMeter(), configText: text })).router;
}

/**
 * Loads a response store module as the service does — import, `optionsSchema` check, factory
 * call, the store's methods checked and every answer guarded — and answers its store. Throws the
 * service's load errors (option problems with their `cache.store.options…` path).
 */
export async function loadResponseStoreModule(specifier: string, opts: LoadModuleOptions): Promise<ResponseStore> {
  const text = JSON.stringify({ cache: { enabled: true, store: { module: specifier, options: opts.options ?? {} } } }, null, 2);
  const store = parseConfig(text, 'test config').config.cache.store;
  if (typeof store !== 'object') throw new Error('unreachable: the store is a module');
  return loadStoreModule(store, { baseDir: opts.baseDir, logger: pino({ level: 'silent' }), meter: opts.meter ?? createNoopMeter(), configText: text });
}
