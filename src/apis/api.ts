/**
 * The contract every client API schema implements (one file per API under `src/apis/`).
 * An API knows its paths, where the model and stream flag live, how its responses report
 * token usage, and how its errors look.
 */

/** Token counts of one response, by kind. Absent means "not reported". */
export interface TokenUsage {
  /** Prompt tokens including cached ones (OpenAI `prompt_tokens`; Anthropic input + cache read + cache write). */
  input?: number;
  /** Prompt tokens served from the provider's prompt cache. */
  cachedInput?: number;
  /** Prompt tokens written to the provider's prompt cache. */
  cacheCreationInput?: number;
  /** Generated tokens, reasoning included. */
  output?: number;
  /** Reasoning ("thinking") tokens, a subset of output. */
  reasoning?: number;
  /** Total as reported by the provider, else input + output. */
  total?: number;
}

/** What a response told us once it ended. */
export interface ResponseInfo {
  usage: TokenUsage;
  /** Model the provider says answered (may differ from the requested one). */
  model?: string;
  /** Provider's response id (`chatcmpl-…`, `msg_…`). */
  responseId?: string;
  /** Finish/stop reason of the first choice. */
  finishReason?: string;
  /** Error type when the body is a provider error object. */
  errorType?: string;
  /**
   * Seconds of input audio the provider billed, for APIs that report duration instead of
   * tokens (OpenAI transcriptions with `usage.type: "duration"`).
   */
  audioDurationSeconds?: number;
  /**
   * Why the body could not be read completely (`body_too_large`, `invalid_json`, …), so
   * missing usage is explained rather than silent. Absent when the body was read.
   */
  parseError?: string;
}

/** Shape of error bodies an API's clients understand. */
export type ErrorShape = 'openai' | 'anthropic' | 'gemini' | 'bedrock';

/** Facts read from the URL when an API is detected. */
export interface ApiMatch {
  /** The detected API. */
  readonly api: ApiSpec;
  /** Model named in the URL (Gemini, Vertex AI, Bedrock, Azure deployment). */
  readonly urlModel?: string;
  /**
   * Where {@link ApiMatch.urlModel} sits in the `:path` as sent (character offsets, `end`
   * exclusive; the segment still percent-encoded), for renaming it (`modelNameOverride`).
   */
  readonly urlModelAt?: { readonly start: number; readonly end: number };
  /** Stream flag decided by the URL (`:streamGenerateContent`, `alt=sse`, `converse-stream`, …). */
  readonly urlStream?: boolean;
}

/** Model and stream flag read from a request body. */
export interface BodyFacts {
  model?: string;
  stream?: boolean;
  /**
   * The client's session id (`session-id.ts`), when the parser read the session keys: `null`
   * when it read them and found none; absent when it did not look (the caller reads them itself).
   */
  sessionId?: string | null;
}

/** Incremental response reader: bytes in (already decompressed), facts out at the end. */
export interface ResponseParser {
  /** Feeds the next chunk of the (decompressed) response body. Never throws on bad input. */
  push(chunk: Uint8Array): void;
  /** Number of output tokens seen so far, when the stream reports them progressively. */
  readonly outputTokensSoFar?: number;
  /** Ends the body and returns what was learnt. Never throws on bad input. */
  end(): ResponseInfo;
}

/** One client API schema. */
export interface ApiSpec {
  /** Stable id, e.g. `openai.chat_completions`, `anthropic.messages`. */
  readonly id: string;
  /** `gen_ai.operation.name` for this API (chat, completion, embeddings, …). */
  readonly operation: string;
  /** Default `gen_ai.provider.name` (openai, anthropic, gcp.gemini, …). */
  readonly provider: string;
  /** Error body shape for local replies. */
  readonly errorShape: ErrorShape;
  /** Where the model comes from. */
  readonly modelSource: 'body' | 'url' | 'multipart';
  /** Body field holding the model for JSON APIs (default `model`). */
  readonly modelField?: string;
  /**
   * Matches an HTTP method and path (query stripped, configured prefix removed).
   * Returns the match with URL facts, or undefined.
   */
  match(method: string, path: string, query: URLSearchParams): ApiMatch | undefined;
  /**
   * Reads model and stream flag from the full request body.
   * Throws `UserFacingError(400)` when the body is not what the API accepts.
   * With `partial` (BUFFERED_PARTIAL: only the first part of the body arrived), reads what the
   * received prefix holds instead of requiring a complete document.
   */
  parseRequestBody(body: Buffer, contentType: string | undefined, opts?: { partial?: boolean }): BodyFacts;
  /**
   * A fresh response reader for one response.
   * `headers` (lower-cased names) carry facts some providers report outside the body
   * (Bedrock: `x-amzn-errortype`, `x-amzn-bedrock-input-token-count`, …).
   */
  newResponseParser(opts: {
    stream: boolean;
    contentType: string;
    headers?: Readonly<Record<string, string>>;
  }): ResponseParser;
}
