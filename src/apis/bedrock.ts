/**
 * Amazon Bedrock Runtime: `POST /model/{modelId}/{operation}` with operation `converse`,
 * `converse-stream`, `invoke` or `invoke-with-response-stream`. The model is the URL segment,
 * URL-decoded (SDKs percent-encode ARNs such as
 * `arn:aws:bedrock:us-east-1:123:inference-profile/us.anthropic.claude-3-5-sonnet-20240620-v1:0`;
 * an unencoded ARN with its `/` is accepted too). Streaming is decided by the operation.
 *
 * Errors use Bedrock's shape: body `{"message": "…"}` and the exception name in the
 * `x-amzn-errortype` header, which AWS SDKs read to pick the exception class.
 */
import type { ApiMatch, ApiSpec } from './api.js';
import { newConverseResponseParser, newInvokeResponseParser } from './bedrock-response.js';
import { isPost, matchOnly, type SpecRoute } from './spec-route.js';
import { decodeSegment } from './url-path.js';

const PREFIX = '/model/';

function bedrockSpec(id: string, newResponseParser: ApiSpec['newResponseParser']): ApiSpec {
  return {
    id,
    operation: 'chat',
    provider: 'aws.bedrock',
    errorShape: 'bedrock',
    modelSource: 'url',
    match: matchOnly(id, matchBedrock),
    parseRequestBody: () => ({}),
    newResponseParser,
  };
}

/** Converse and ConverseStream. */
export const bedrockConverse = bedrockSpec('bedrock.converse', newConverseResponseParser);

/** InvokeModel and InvokeModelWithResponseStream. */
export const bedrockInvoke = bedrockSpec('bedrock.invoke', newInvokeResponseParser);

const OPERATIONS: ReadonlyMap<string, { api: ApiSpec; stream: boolean }> = new Map([
  ['converse', { api: bedrockConverse, stream: false }],
  ['converse-stream', { api: bedrockConverse, stream: true }],
  ['invoke', { api: bedrockInvoke, stream: false }],
  ['invoke-with-response-stream', { api: bedrockInvoke, stream: true }],
]);

/** Matches a Bedrock Runtime model operation path. */
export function matchBedrock(method: string, path: string, _query: URLSearchParams): ApiMatch | undefined {
  if (!isPost(method) || !path.startsWith(PREFIX)) return undefined;
  const rest = path.slice(PREFIX.length);
  const slash = rest.lastIndexOf('/');
  if (slash <= 0) return undefined;
  const entry = OPERATIONS.get(rest.slice(slash + 1));
  if (entry === undefined) return undefined;
  const model = decodeSegment(rest.slice(0, slash));
  if (model === '') return undefined;
  return { api: entry.api, urlModel: model, urlModelAt: { start: PREFIX.length, end: PREFIX.length + slash }, urlStream: entry.stream };
}

/** Registry entry of Bedrock. */
export const bedrockRoute: SpecRoute = { prefixes: [PREFIX], match: matchBedrock };
