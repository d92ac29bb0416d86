/**
 * Azure OpenAI deployments:
 * `POST /openai/deployments/{deployment}/{chat/completions|completions|embeddings}?api-version=…`.
 *
 * Azure routes by the deployment named in the URL and ignores a `model` in the body, so the
 * deployment is the model used for routing. `stream` is read from the body. Bodies, responses
 * and errors follow OpenAI's formats.
 */
import type { ApiMatch, ApiSpec } from './api.js';
import { STREAM_ONLY, jsonBodyParser, jsonBodyRules, type JsonBodyRules } from './body-facts.js';
import { newCompletionResponseParser } from './openai-completion-readers.js';
import { newEmbeddingsResponseParser } from './openai-embeddings.js';
import { isPost, matchOnly, type SpecRoute } from './spec-route.js';
import { decodeSegment } from './url-path.js';

const PREFIX = '/openai/deployments/';

/** Azure embeddings never stream; the body only needs to be JSON. */
const NO_FACTS: JsonBodyRules = jsonBodyRules({ keys: [], stream: () => false });

function azureSpec(id: string, operation: string, rules: JsonBodyRules, newResponseParser: ApiSpec['newResponseParser']): ApiSpec {
  return {
    id,
    operation,
    provider: 'azure.openai',
    errorShape: 'openai',
    modelSource: 'url',
    match: matchOnly(id, matchAzure),
    parseRequestBody: jsonBodyParser(rules),
    newResponseParser,
  };
}

/** Chat Completions on an Azure deployment. */
export const azureChatCompletions = azureSpec('azure.chat_completions', 'chat', STREAM_ONLY, newCompletionResponseParser);

/** Legacy Completions on an Azure deployment. */
export const azureCompletions = azureSpec('azure.completions', 'completion', STREAM_ONLY, newCompletionResponseParser);

/** Embeddings on an Azure deployment. */
export const azureEmbeddings = azureSpec('azure.embeddings', 'embeddings', NO_FACTS, () => newEmbeddingsResponseParser());

const OPERATIONS: ReadonlyMap<string, ApiSpec> = new Map([
  ['chat/completions', azureChatCompletions],
  ['completions', azureCompletions],
  ['embeddings', azureEmbeddings],
]);

/** Matches an Azure OpenAI deployment operation path. */
export function matchAzure(method: string, path: string, _query: URLSearchParams): ApiMatch | undefined {
  if (!isPost(method) || !path.startsWith(PREFIX)) return undefined;
  const rest = path.slice(PREFIX.length);
  const slash = rest.indexOf('/');
  if (slash <= 0) return undefined;
  const api = OPERATIONS.get(rest.slice(slash + 1));
  if (api === undefined) return undefined;
  return { api, urlModel: decodeSegment(rest.slice(0, slash)), urlModelAt: { start: PREFIX.length, end: PREFIX.length + slash } };
}

/** Registry entry of Azure OpenAI. */
export const azureRoute: SpecRoute = { prefixes: [PREFIX], match: matchAzure };
