/**
 * Spend budgets as a hook: a request whose project, key or the whole gateway has spent a
 * budget that applies gets 429 with `retry-after` (the models list is never refused).
 */
import type { Config } from '../config/schema.js';
import type { Hook } from '../hooks/hook.js';
import type { BudgetGate } from './budgets.js';

/** The budgets hook of `config`, over the process-wide spend of `gate` (the ledger's). */
export function budgetsHook(config: Config, gate: BudgetGate, now: () => number = Date.now): Hook {
  return {
    name: 'budgets',
    onRequest(req) {
      if (req.kind === 'listing' || config.budgets.length === 0) return undefined;
      const over = gate.check(config.budgets, req.caller ? { project: req.caller.project, keyId: req.caller.id } : {}, now());
      if (over instanceof Promise) return over.then((o) => (o ? { answer: o } : undefined));
      return over ? { answer: over } : undefined;
    },
  };
}
