/**
 * `llm-extproc check --config FILE`: validates the config and loads every module without serving.
 */
import { ConfigError, type ConfigProblem } from '../config/load.js';
import { buildGeneration } from '../server/build-generation.js';
import { UsageError, type CliIo, type ExitCode } from './io.js';
import { oneShotDeps } from './quiet-deps.js';
import { loadConfigFrom, type ServeEnv } from './serve.js';

/** Runs the check; exit 0 valid, 1 invalid. */
export async function runCheck(values: Record<string, unknown>, io: CliIo, env: ServeEnv): Promise<ExitCode> {
  const file = (values['config'] as string | undefined) ?? env.config;
  if (!file) throw new UsageError('--config FILE is required (or set LLM_EXTPROC_CONFIG)');
  let problems: ConfigProblem[] = [];
  let summary: { rules: number; modules: Record<string, string> } | undefined;
  try {
    const loaded = await loadConfigFrom(file, env, io.cwd);
    const generation = await buildGeneration(loaded, 1, oneShotDeps(io.cwd, io.err));
    summary = { rules: loaded.config.rules.length, modules: { ...generation.info.modules } };
  } catch (err) {
    problems = err instanceof ConfigError ? [...err.problems] : [{ path: '', message: (err as Error).message }];
  }
  if (values['json']) {
    io.out(`${JSON.stringify({ file, valid: problems.length === 0, problems, ...(summary ?? {}) }, null, 2)}\n`);
  } else if (problems.length === 0) {
    const mods = Object.entries(summary?.modules ?? {}).map(([k, v]) => `${k} module ${v}`);
    io.out(`${file}: valid (${summary?.rules ?? 0} rules${mods.length ? `; ${mods.join(', ')} loaded` : ''})\n`);
  } else {
    io.err(`${file}: ${problems.length} problem(s)\n`);
    for (const p of problems) io.err(`  ${p.path || '(root)'}${p.line ? ` (line ${p.line})` : ''}: ${p.message}\n`);
  }
  return problems.length === 0 ? 0 : 1;
}
