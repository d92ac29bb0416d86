/**
 * What a config's body-dependent decisions become under an Envoy request body mode that does
 * not give the gateway the whole body (`llm-extproc check --body-mode MODE`). The gateway never
 * decides on part of a body: such requests are refused or left to Envoy's route table, and the
 * operator should know before traffic does.
 */
import type { ConfigProblem } from './load.js';
import type { Config } from './schema.js';

/** Envoy's request body modes. */
export const BODY_MODES = ['BUFFERED', 'BUFFERED_PARTIAL', 'STREAMED', 'FULL_DUPLEX_STREAMED', 'NONE'] as const;

/** One of {@link BODY_MODES}. */
export type RequestBodyMode = (typeof BODY_MODES)[number];

/** The warnings of `config` under request body mode `mode` (none for BUFFERED and FULL_DUPLEX_STREAMED). */
export function bodyModeWarnings(config: Config, mode: RequestBodyMode): ConfigProblem[] {
  if (mode === 'BUFFERED' || mode === 'FULL_DUPLEX_STREAMED') return [];
  const warnings: ConfigProblem[] = [];
  const partial = mode === 'BUFFERED_PARTIAL';
  const unseen = partial ? 'a body larger than Envoy buffers' : 'every body';
  const policies: Array<[string, Config['policy']]> = [['policy', config.policy], ...config.rules.map((r, i) => [`rules[${i}].policy`, r.policy] as [string, Config['policy']])];
  for (const [path, p] of policies) {
    if (p?.body) warnings.push({ path: `${path}.body`, message: `with request body mode ${mode}, ${unseen} cannot be checked against these body rules: such requests are refused (413 body_not_inspected)` });
  }
  warnings.push({
    path: 'rules',
    message: partial
      ? 'with request body mode BUFFERED_PARTIAL, a request whose model is in its JSON body (OpenAI, Anthropic) and whose body is larger than Envoy buffers is refused (413 body_not_inspected): a route decided on part of a body could be overturned by the rest'
      : `with request body mode ${mode}, requests whose model is in the JSON body (OpenAI, Anthropic) are not routed by these rules (Envoy's route table decides), and keys restricted to models refuse them; only URL-model APIs (Gemini, Vertex AI, Bedrock, Azure) are routed`,
  });
  return warnings;
}
