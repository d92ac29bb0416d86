/**
 * Settings that load but do not take effect as written. They do not stop the service from
 * starting, so `llm-extproc check` reports them as warnings (exit code unchanged) and the
 * service logs them at start and on every reload.
 */
import type { ConfigProblem } from './load.js';
import type { Config } from './schema.js';

/**
 * The warning for a config without `rules`: a file replaces the embedded default as a whole, so
 * such a config routes nothing — every request gets "no matching rule" (404).
 */
export const NO_RULES_WARNING =
  'no rules: every request will get 404 "no matching rule". A config file replaces the embedded default, rules included; ' +
  'to keep the default rules (gpt-* → openai, claude-* → anthropic, gemini-* → gemini) copy the rules of examples/config/starter.yaml into this file';

/**
 * What is running whatever a reloaded config says: settings read only at start (the ledger
 * starts with the process, so `ledger.enabled` turned on by a reload does not start it).
 */
export interface RunningParts {
  /** The usage ledger runs (budget spend is counted). */
  readonly ledger: boolean;
}

/**
 * The warnings of `config`, each with its config path (no line: callers that have the text add
 * it). `running` defaults to what `config` would start.
 */
export function configWarnings(config: Config, running: RunningParts = { ledger: config.ledger.enabled }): ConfigProblem[] {
  const warnings: ConfigProblem[] = [];
  if (config.rules.length === 0 && config.router.module === undefined) warnings.push({ path: 'rules', message: NO_RULES_WARNING });
  const budgets = config.budgets.length;
  if (budgets > 0 && !running.ledger) {
    const what = `${budgets} budget${budgets === 1 ? ' is' : 's are'} not enforced`;
    warnings.push({
      path: 'budgets',
      message: config.ledger.enabled
        ? `${what} until a restart: the ledger, which counts their spend, starts only with the process (ledger.enabled is read at start)`
        : `${what}: budgets need ledger.enabled (their spend is counted from the ledger)`,
    });
  }
  if (!config.pricing.file) {
    config.budgets.forEach((b, i) => {
      if (b.maxCostUsd === undefined) return;
      warnings.push({
        path: `budgets[${i}].maxCostUsd`,
        message: 'a cost budget without pricing.file is never reached: no request is priced, so no cost is counted against it',
      });
    });
  }
  return warnings;
}
