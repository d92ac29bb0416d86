/**
 * Which translation a request gets: from the client API detected on the request and the
 * backend's `schema` (Envoy AI Gateway v0.2 semantics: a backend whose schema differs from the
 * client's API is reached by translation).
 */
import type { BackendConfig } from '../config/schema.js';
import { anthropicTranslator } from './anthropic-pairs.js';
import type { ClientFamily, PairTranslator, TargetKind, TranslationEnv, TranslationTarget } from './contract.js';
import { openAiChatTranslator } from './openai-chat-pairs.js';
import { DEFAULT_AZURE_API_VERSION, targetName } from './target-paths.js';

/** What a request to a backend gets. */
export type TranslationPlan =
  | { readonly kind: 'none'; readonly reason: string }
  | { readonly kind: 'translate'; readonly translator: PairTranslator; readonly description: string }
  | { readonly kind: 'unsupported'; readonly reason: string };

/** Backend schema names whose wire format each client API family speaks natively. */
const NATIVE: ReadonlyArray<readonly [prefix: string, schemas: readonly string[]]> = [
  ['openai.', ['OpenAI']],
  ['azure.', ['AzureOpenAI', 'OpenAI']],
  ['anthropic.', ['Anthropic']],
  ['gemini.', ['GCPGemini']],
  ['vertex_ai.anthropic', ['GCPAnthropic', 'GCPVertexAI']],
  ['vertex_ai.', ['GCPVertexAI']],
  ['bedrock.', ['AWSBedrock', 'AWSAnthropic']],
];

/** The translatable client family of an API id (`openai.chat_completions`, `anthropic.messages`). */
export function clientFamilyOf(apiId: string): ClientFamily | undefined {
  if (apiId === 'openai.chat_completions') return 'openai-chat';
  if (apiId === 'anthropic.messages') return 'anthropic-messages';
  return undefined;
}

/**
 * The target a client family reaches on `backend`, or why there is none.
 * Returns a string (the reason) when the pair is not translatable.
 */
export function targetOf(client: ClientFamily, backend: BackendConfig): TranslationTarget | string {
  const schema = backend.schema?.name;
  const kind = targetKind(client, schema);
  if (kind === undefined) return `${client === 'openai-chat' ? 'OpenAI Chat Completions' : 'Anthropic Messages'} requests cannot be translated to schema ${schema}`;
  if (kind === 'vertex-anthropic' || kind === 'vertex-gemini') {
    const gcp = backend.auth?.gcp;
    const project = typeof gcp?.projectName === 'string' ? gcp.projectName : undefined;
    const region = typeof gcp?.region === 'string' ? gcp.region : undefined;
    if (project === undefined || region === undefined) return `backend ${backend.name}: schema ${schema} needs auth.gcp.projectName and auth.gcp.region to build Vertex AI paths`;
    return { kind, vertex: { project, region } };
  }
  if (kind === 'azure-openai') return { kind, apiVersion: backend.schema?.version ?? DEFAULT_AZURE_API_VERSION };
  return { kind };
}

function targetKind(client: ClientFamily, schema: string | undefined): TargetKind | undefined {
  if (client === 'openai-chat') {
    switch (schema) {
      case 'Anthropic':
        return 'anthropic';
      case 'AWSAnthropic':
        return 'bedrock-anthropic';
      case 'GCPAnthropic':
        return 'vertex-anthropic';
      case 'AWSBedrock':
        return 'bedrock-converse';
      case 'GCPGemini':
        return 'gemini';
      case 'GCPVertexAI':
        return 'vertex-gemini';
      case 'AzureOpenAI':
        return 'azure-openai';
      default:
        return undefined;
    }
  }
  switch (schema) {
    case 'AWSBedrock':
    case 'AWSAnthropic':
      return 'bedrock-anthropic';
    case 'GCPAnthropic':
    case 'GCPVertexAI':
      return 'vertex-anthropic';
    case 'OpenAI':
      return 'openai';
    case 'AzureOpenAI':
      return 'azure-openai';
    default:
      return undefined;
  }
}

/** Options of {@link planTranslation}. */
export interface PlanOptions {
  /**
   * The config's input `schema` name. A backend whose `schema` equals it is never translated to:
   * the generated Envoy config streams only the responses of backends whose schema differs from
   * the input schema through the upstream-level filter, so only those can be translated back.
   */
  readonly inputSchema?: string;
  /** Injected clock and ids (tests). */
  readonly env?: TranslationEnv;
}

/**
 * The plan for a request of API `apiId` (an API spec id) sent to `backend`: `none` when the
 * backend speaks the client's API, names no schema, or speaks the input schema; `translate`
 * with the pair's translator; or `unsupported` (the caller answers the client with an error
 * naming the reason, in the client's shape).
 */
export function planTranslation(apiId: string, backend: BackendConfig | undefined, opts: PlanOptions = {}): TranslationPlan {
  const schema = backend?.schema?.name;
  if (backend === undefined || schema === undefined) return { kind: 'none', reason: 'the backend names no schema' };
  const native = NATIVE.find(([prefix]) => apiId.startsWith(prefix))?.[1];
  if (native?.includes(schema)) return { kind: 'none', reason: `the backend speaks ${schema}, the client's API` };
  if (schema === opts.inputSchema) return { kind: 'none', reason: `the backend speaks the input schema ${schema}` };
  const client = clientFamilyOf(apiId);
  if (client === undefined) return { kind: 'unsupported', reason: `requests of API ${apiId} cannot be translated to schema ${schema}` };
  const target = targetOf(client, backend);
  if (typeof target === 'string') return { kind: 'unsupported', reason: target };
  const translator = client === 'openai-chat' ? openAiChatTranslator(target, opts.env) : anthropicTranslator(target, opts.env);
  return { kind: 'translate', translator, description: `${apiId} → ${targetName(target)} (${target.kind})` };
}
