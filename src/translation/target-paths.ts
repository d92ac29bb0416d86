/**
 * Upstream paths of each target, with the model in the URL where the target wants it. Facts:
 * Bedrock runtime (`/model/{modelId}/converse`, `/converse-stream`, `/invoke`,
 * `/invoke-with-response-stream`); Vertex AI (`/v1/projects/{p}/locations/{r}/publishers/{pub}/models/{m}:{method}`,
 * Claude with `rawPredict` / `streamRawPredict`); Gemini API (`/v1beta/models/{m}:generateContent`,
 * `:streamGenerateContent?alt=sse`); Azure OpenAI (`/openai/deployments/{d}/chat/completions?api-version=…`).
 */
import type { TranslationTarget } from './contract.js';

/** Azure OpenAI `api-version` used when the backend's `schema.version` names none (the latest GA at the time of writing). */
export const DEFAULT_AZURE_API_VERSION = '2024-10-21';

/** Human name of a target, used in refusals. */
export function targetName(t: TranslationTarget): string {
  switch (t.kind) {
    case 'anthropic':
      return 'the Anthropic API';
    case 'bedrock-anthropic':
      return 'Claude on Amazon Bedrock';
    case 'vertex-anthropic':
      return 'Claude on Vertex AI';
    case 'bedrock-converse':
      return 'Amazon Bedrock Converse';
    case 'gemini':
      return 'the Gemini API';
    case 'vertex-gemini':
      return 'Gemini on Vertex AI';
    case 'openai':
      return 'an OpenAI-compatible server';
    case 'azure-openai':
      return 'Azure OpenAI';
  }
}

/**
 * The `gen_ai.provider.name` of the provider a target reaches (the semantic conventions'
 * well-known values): what metrics, prices and the ledger name as the provider of a translated
 * request, instead of the one the client's API implies.
 */
export function providerOfTarget(t: TranslationTarget): string {
  switch (t.kind) {
    case 'anthropic':
      return 'anthropic';
    case 'bedrock-anthropic':
    case 'bedrock-converse':
      return 'aws.bedrock';
    case 'vertex-anthropic':
    case 'vertex-gemini':
      return 'gcp.vertex_ai';
    case 'gemini':
      return 'gcp.gemini';
    case 'openai':
      return 'openai';
    case 'azure-openai':
      return 'azure.openai';
  }
}

/** The upstream `:path` for `model` on target `t`. */
export function targetPath(t: TranslationTarget, model: string, stream: boolean): string {
  const m = encodeURIComponent(model);
  switch (t.kind) {
    case 'anthropic':
      return '/v1/messages';
    case 'bedrock-anthropic':
      return `/model/${m}/${stream ? 'invoke-with-response-stream' : 'invoke'}`;
    case 'bedrock-converse':
      return `/model/${m}/${stream ? 'converse-stream' : 'converse'}`;
    case 'vertex-anthropic':
      return `${vertexBase(t)}/publishers/anthropic/models/${m}:${stream ? 'streamRawPredict' : 'rawPredict'}`;
    case 'gemini':
      return `/v1beta/models/${m}:${stream ? 'streamGenerateContent?alt=sse' : 'generateContent'}`;
    case 'vertex-gemini':
      return `${vertexBase(t)}/publishers/google/models/${m}:${stream ? 'streamGenerateContent?alt=sse' : 'generateContent'}`;
    case 'openai':
      return '/v1/chat/completions';
    case 'azure-openai':
      return `/openai/deployments/${m}/chat/completions?api-version=${encodeURIComponent(t.apiVersion ?? DEFAULT_AZURE_API_VERSION)}`;
  }
}

function vertexBase(t: TranslationTarget): string {
  const v = t.vertex ?? { project: 'PROJECT', region: 'REGION' };
  return `/v1/projects/${encodeURIComponent(v.project)}/locations/${encodeURIComponent(v.region)}`;
}

/** The `accept` header a streamed or whole response of target `t` is asked with. */
export function acceptOf(t: TranslationTarget, stream: boolean): string {
  if (!stream) return 'application/json';
  return t.kind === 'bedrock-anthropic' || t.kind === 'bedrock-converse' ? 'application/vnd.amazon.eventstream' : 'text/event-stream';
}
