/**
 * `llm-extproc check --config FILE`: validates the config and loads every module it names — the
 * router module, the metrics module, users' hook modules, a response store module (opened and
 * closed at once), the CEL request costs — without serving. Every problem is
 * printed with its YAML path and line. Exit 0 when the service would start on this file, 1 when not.
 * Settings that load but would not take effect (budgets without the ledger, no rules at all) and
 * rules `envoy-config` would refuse (a backend without `host`) are printed as warnings with path
 * and line; they do not change the exit code.
 */
import { createHash } from 'node:crypto';
import { dirname } from 'node:path';
import { configWarnings } from '../config/config-warnings.js';
import { BODY_MODES, bodyModeWarnings, type RequestBodyMode } from '../config/body-mode-warnings.js';
import { ConfigError, type ConfigProblem, type LoadedConfig } from '../config/load.js';
import { envoyConfigRefusals } from '../envoy/envoy-config-refusals.js';
import { compileRequestCosts, RequestCostConfigError } from '../metrics/request-costs.js';
import { describeModule, type ModuleDetails } from '../modules/module-details.js';
import { ModuleLoadError } from '../modules/import-module.js';
import { ModuleOptionsError } from '../modules/options-schema.js';
import { loadRouter } from '../routing/load-router.js';
import { loadUserHook } from '../hooks/user-hooks.js';
import { loadStoreModule } from '../cache/store-module.js';
import { loadConfigMetrics } from '../server/build-generation.js';
import { type BackendTranslation, describeTranslations, translationWarnings } from '../translation/config-view.js';
import { lineOfConfigPath } from './config-lines.js';
import { UsageError, type CliIo, type ExitCode } from './io.js';
import { oneShotDeps } from './quiet-deps.js';
import { loadConfigFrom, type ServeEnv } from './serve.js';

/** The result of a check (also the `--json` output). */
export interface CheckReport {
  /** The file as given. */
  readonly file: string;
  readonly valid: boolean;
  /** Every problem found, with its config path and line. */
  readonly problems: readonly ConfigProblem[];
  /** Settings that load but would not take effect, with their config path and line (none when the file did not load). */
  readonly warnings: readonly ConfigProblem[];
  /** Number of route rules (when the file parsed). */
  readonly rules?: number;
  /** Modules loaded, with their package version or file modification time. */
  readonly modules?: { router?: ModuleDetails; metrics?: ModuleDetails; store?: ModuleDetails };
  /** The `llmRequestCosts` entries, all compiled. */
  readonly requestCosts?: ReadonlyArray<{ metadataKey: string; type: string }>;
  /** Every backend with a `schema`, and what OpenAI Chat and Anthropic Messages requests become there. */
  readonly translations?: readonly BackendTranslation[];
}

/** A problem at `path`, with the line of `path` in the config text when found. */
function problemAt(loaded: LoadedConfig, path: string, message: string): ConfigProblem {
  const line = lineOfConfigPath(loaded.text, path);
  return line === undefined ? { path, message } : { path, message, line };
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Compiles every cost entry, reporting each bad one (not just the first). */
function checkCosts(loaded: LoadedConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const costs = [...loaded.config.llmRequestCosts];
  for (let attempt = 0; attempt <= costs.length; attempt++) {
    try {
      compileRequestCosts(costs);
      break;
    } catch (err) {
      if (!(err instanceof RequestCostConfigError)) {
        problems.push({ path: 'llmRequestCosts', message: messageOf(err) });
        break;
      }
      const prefix = `${err.path} (metadataKey ${JSON.stringify(err.metadataKey)}): `;
      const reason = err.message.startsWith(prefix) ? err.message.slice(prefix.length) : err.message;
      problems.push(problemAt(loaded, err.path, `metadataKey ${JSON.stringify(err.metadataKey)}: ${reason}`));
      // Stand in a valid entry with a key of its own, so the next bad entry is found too.
      costs[err.index] = { metadataKey: `\u0000checked-${err.index}`, type: 'InputToken' };
    }
  }
  return problems;
}

/** Each option a module's schema refused, as its own problem naming the module. */
function optionProblems(err: ModuleOptionsError): ConfigProblem[] {
  return err.problems.map((p) => ({ ...p, message: `module ${JSON.stringify(err.specifier)}: ${p.message}` }));
}

/** Loads the config and everything it names; collects every problem. */
export async function checkConfig(file: string, env: ServeEnv, io: CliIo, bodyMode?: RequestBodyMode): Promise<CheckReport> {
  let loaded: LoadedConfig;
  try {
    loaded = await loadConfigFrom(file, env, io.cwd);
  } catch (err) {
    return { file, valid: false, problems: err instanceof ConfigError ? err.problems : [{ path: '', message: messageOf(err) }], warnings: [] };
  }
  const { config } = loaded;
  const deps = oneShotDeps(io.cwd, io.err);
  const baseDir = dirname(loaded.source);
  const cacheBust = `check-${createHash('sha256').update(loaded.text).digest('hex').slice(0, 12)}`;
  const problems: ConfigProblem[] = [];
  const modules: { router?: ModuleDetails; metrics?: ModuleDetails; store?: ModuleDetails } = {};

  try {
    const routers = await loadRouter(config, { baseDir, logger: deps.logger, meter: deps.meter, cacheBust, configText: loaded.text });
    if (routers.module) modules.router = await describeModule(routers.module, baseDir);
  } catch (err) {
    if (err instanceof ModuleOptionsError) problems.push(...optionProblems(err));
    else problems.push(err instanceof ModuleLoadError ? problemAt(loaded, 'router.module', err.message) : { path: 'rules', message: messageOf(err) });
  }
  try {
    await loadConfigMetrics(config, { baseDir, cacheBust, configText: loaded.text }, deps);
    if (config.metrics.module) modules.metrics = await describeModule(config.metrics.module, baseDir);
  } catch (err) {
    if (err instanceof ModuleOptionsError) problems.push(...optionProblems(err));
    else problems.push(problemAt(loaded, 'metrics.module', messageOf(err)));
  }
  for (const [i, entry] of config.hooks.entries()) {
    try {
      await loadUserHook(entry, i, { baseDir, cacheBust, logger: deps.logger, meter: deps.meter, config, configText: loaded.text });
    } catch (err) {
      if (err instanceof ModuleOptionsError) problems.push(...optionProblems(err));
      else problems.push(problemAt(loaded, `hooks[${i}].module`, messageOf(err)));
    }
  }
  const store = config.cache.store;
  if (typeof store === 'object') {
    try {
      // Opened to run its factory and checks, then closed at once.
      await (await loadStoreModule(store, { baseDir, cacheBust, logger: deps.logger, meter: deps.meter, configText: loaded.text })).close();
      modules.store = await describeModule(store.module, baseDir);
    } catch (err) {
      if (err instanceof ModuleOptionsError) problems.push(...optionProblems(err));
      else problems.push(problemAt(loaded, 'cache.store.module', messageOf(err)));
    }
  }
  problems.push(...checkCosts(loaded));

  return {
    file,
    valid: problems.length === 0,
    problems,
    warnings: [...configWarnings(config), ...envoyConfigRefusals(config), ...(bodyMode ? bodyModeWarnings(config, bodyMode) : []), ...translationWarnings(config)].map((w) => problemAt(loaded, w.path, w.message)),
    rules: config.rules.length,
    modules,
    requestCosts: config.llmRequestCosts.map((c) => ({ metadataKey: c.metadataKey, type: c.type })),
    translations: describeTranslations(config),
  };
}

function describeLoaded(kind: string, m: ModuleDetails): string {
  return m.kind === 'package' && m.version ? `${kind} module ${m.name}@${m.version}` : `${kind} module ${m.specifier}`;
}

function formatProblem(p: ConfigProblem): string {
  return `  ${p.path || '(root)'}${p.line ? ` (line ${p.line})` : ''}: ${p.message}\n`;
}

/** Runs the check; exit 0 valid (warnings or not), 1 invalid. */
export async function runCheck(values: Record<string, unknown>, io: CliIo, env: ServeEnv): Promise<ExitCode> {
  const file = (values['config'] as string | undefined) ?? env.config;
  if (!file) throw new UsageError('--config FILE is required (or set LLM_EXTPROC_CONFIG)');
  const mode = values['body-mode'] as string | undefined;
  if (mode !== undefined && !(BODY_MODES as readonly string[]).includes(mode)) throw new UsageError(`--body-mode must be one of ${BODY_MODES.join(', ')} (got ${JSON.stringify(mode)})`);
  const report = await checkConfig(file, env, io, mode as RequestBodyMode | undefined);
  if (values['json']) {
    io.out(`${JSON.stringify(report, null, 2)}\n`);
  } else if (report.valid) {
    const mods = Object.entries(report.modules ?? {}).map(([kind, m]) => describeLoaded(kind, m));
    io.out(`${file}: valid (${report.rules ?? 0} rules${mods.length ? `; ${mods.join(', ')} loaded` : ''})\n`);
  } else {
    io.err(`${file}: ${report.problems.length} problem(s)\n`);
    for (const p of report.problems) io.err(formatProblem(p));
  }
  if (!values['json'] && report.warnings.length > 0) {
    io.err(`${file}: ${report.warnings.length} warning(s)\n`);
    for (const w of report.warnings) io.err(formatProblem(w));
  }
  return report.valid ? 0 : 1;
}
