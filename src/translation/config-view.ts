/**
 * What translation a config sets up, for `check` and `route`: per backend, what requests of
 * OpenAI Chat Completions and Anthropic Messages clients become, and backends whose translation
 * cannot work as configured (Vertex AI without project and region).
 */
import type { BackendConfig, Config } from '../config/schema.js';
import { planTranslation, type TranslationPlan } from './plan.js';

/** One line of a plan: `none (why)`, the translation, or `refused: why`. */
export function describePlan(plan: TranslationPlan): string {
  switch (plan.kind) {
    case 'none':
      return `none (${plan.reason})`;
    case 'translate':
      return plan.description;
    case 'unsupported':
      return `refused: ${plan.reason}`;
  }
}

/** What a request gets on one backend. */
export interface RuleBackendTranslation {
  readonly backend: string;
  readonly kind: TranslationPlan['kind'];
  /** {@link describePlan} of the plan. */
  readonly translation: string;
}

/** What a request of API `apiId` gets on each backend of `rule` (empty for an unknown rule). */
export function translationsForRule(config: Config, rule: string, apiId: string): RuleBackendTranslation[] {
  const r = config.rules.find((x) => x.name === rule);
  return (r?.backends ?? []).map((b) => {
    const plan = planTranslation(apiId, b, { inputSchema: config.schema.name });
    return { backend: b.name, kind: plan.kind, translation: describePlan(plan) };
  });
}

/** What one client API gets on a backend. */
export interface ClientTranslation {
  readonly kind: TranslationPlan['kind'];
  /** {@link describePlan} of the plan. */
  readonly translation: string;
}

/** A backend with a `schema`, and what each translatable client API gets on it. */
export interface BackendTranslation {
  /** Config path of the backend (`rules[0].backends[1]`). */
  readonly path: string;
  readonly backend: string;
  readonly schema: string;
  readonly openaiChatCompletions: ClientTranslation;
  readonly anthropicMessages: ClientTranslation;
}

function clientTranslation(apiId: string, b: BackendConfig, inputSchema: string): ClientTranslation {
  const plan = planTranslation(apiId, b, { inputSchema });
  return { kind: plan.kind, translation: describePlan(plan) };
}

/** Every backend with a `schema`, with the translation each client API gets there. */
export function describeTranslations(config: Config): BackendTranslation[] {
  const out: BackendTranslation[] = [];
  config.rules.forEach((rule, i) =>
    rule.backends.forEach((b: BackendConfig, j) => {
      if (b.schema === undefined) return;
      out.push({
        path: `rules[${i}].backends[${j}]`,
        backend: b.name,
        schema: b.schema.name,
        openaiChatCompletions: clientTranslation('openai.chat_completions', b, config.schema.name),
        anthropicMessages: clientTranslation('anthropic.messages', b, config.schema.name),
      });
    }),
  );
  return out;
}

/** Backends whose translation cannot work as configured, with the config path to fix. */
export function translationWarnings(config: Config): Array<{ path: string; message: string }> {
  const out: Array<{ path: string; message: string }> = [];
  config.rules.forEach((rule, i) =>
    rule.backends.forEach((b, j) => {
      const name = b.schema?.name;
      if (name !== 'GCPVertexAI' && name !== 'GCPAnthropic') return;
      if (typeof b.auth?.gcp?.projectName === 'string' && typeof b.auth.gcp.region === 'string') return;
      out.push({
        path: `rules[${i}].backends[${j}].auth.gcp`,
        message: `backend ${b.name}: requests translated for ${name} need auth.gcp.projectName and auth.gcp.region (they name the Vertex AI path); without them such requests are refused`,
      });
    }),
  );
  return out;
}
