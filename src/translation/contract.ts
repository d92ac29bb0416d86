/**
 * The translation seam: what the per-attempt (upstream) path hands a translator and what it gets
 * back. A translator serves one (client API, backend target) pair; it is pure (no I/O, no clock
 * unless injected) and keeps only bounded state per response.
 */
import type { ErrorShape } from '../apis/api.js';

/** Client APIs a request can be translated from. */
export type ClientFamily = 'openai-chat' | 'anthropic-messages';

/**
 * Wire dialects a backend can be reached in by translation.
 *
 * - `anthropic`: Anthropic Messages at `/v1/messages`;
 * - `bedrock-anthropic`: Claude on Bedrock InvokeModel (`/model/{id}/invoke[-with-response-stream]`);
 * - `vertex-anthropic`: Claude on Vertex AI (`…/publishers/anthropic/models/{m}:rawPredict|streamRawPredict`);
 * - `bedrock-converse`: Bedrock Converse / ConverseStream (any Bedrock model);
 * - `gemini`: Gemini API (AI Studio) `generateContent` / `streamGenerateContent?alt=sse`;
 * - `vertex-gemini`: the same on Vertex AI (`…/publishers/google/models/{m}:…`);
 * - `openai`: OpenAI Chat Completions at `/v1/chat/completions` (OpenAI-compatible servers);
 * - `azure-openai`: Azure OpenAI `/openai/deployments/{m}/chat/completions?api-version=…`.
 */
export type TargetKind =
  | 'anthropic'
  | 'bedrock-anthropic'
  | 'vertex-anthropic'
  | 'bedrock-converse'
  | 'gemini'
  | 'vertex-gemini'
  | 'openai'
  | 'azure-openai';

/** Where and how a translated request goes. */
export interface TranslationTarget {
  readonly kind: TargetKind;
  /** Vertex AI project and region (`vertex-*` targets). */
  readonly vertex?: { readonly project: string; readonly region: string };
  /** Azure OpenAI `api-version` (`azure-openai`). */
  readonly apiVersion?: string;
}

/** Header changes, names lower-case. `set` overwrites or adds; `remove` removes. */
export interface HeaderChanges {
  readonly set: ReadonlyArray<readonly [string, string]>;
  readonly remove: readonly string[];
}

/** One request as the attempt sees it. */
export interface RequestInput {
  /** `:path` as sent by the client (query included). */
  readonly path: string;
  /** Request headers, lower-case names. */
  readonly headers: Readonly<Record<string, string>>;
  /** The whole request body. */
  readonly body: Buffer;
  /** Model to ask the target for; absent: the body's `model`. */
  readonly model?: string;
}

/** A request rewritten for the target, and the factory of its response translator. */
export interface TranslatedRequest {
  /** New `:path` (model in the URL where the target wants it; query included). */
  readonly path: string;
  /** Header changes (`content-length` is set to the new body's length). */
  readonly headers: HeaderChanges;
  /** The new body. */
  readonly body: Buffer;
  /** True when the client asked for a stream. */
  readonly stream: boolean;
  /** Model the target was asked for. */
  readonly model: string;
  /**
   * A translator for this attempt's response, created once the response headers are known.
   * `headers` are the response headers (lower-case names).
   */
  responseTranslator(status: number, headers: Readonly<Record<string, string>>): ResponseTranslator;
}

/**
 * Rewrites one response chunk by chunk. State is bounded (the unfinished event or frame, a few
 * counters), except for a non-streamed JSON body, which is whole by nature and capped.
 */
export interface ResponseTranslator {
  /** Response header changes: `content-type` of the client API, `content-length` removed. */
  readonly headers: HeaderChanges;
  /**
   * Translates the next chunk; `end` marks the last one (the chunk may be empty then).
   * Returns the client bytes this chunk completes (possibly empty). Never throws on bad input.
   */
  push(chunk: Buffer, end: boolean): Buffer;
}

/** The outcome of translating a request: a rewritten request or a refusal to send back. */
export type RequestOutcome =
  | { readonly ok: true; readonly request: TranslatedRequest }
  | {
      readonly ok: false;
      /** HTTP status of the refusal (400 for what the target cannot express). */
      readonly status: number;
      /** Error body in the client API's shape. */
      readonly body: string;
      /** Headers of the reply (content-type, and any the shape needs). */
      readonly headers: Readonly<Record<string, string>>;
    };

/** Injected sources of time and ids, so output is reproducible in tests. */
export interface TranslationEnv {
  /** Milliseconds since the epoch (default `Date.now`). */
  readonly now?: () => number;
  /** A fresh unique id fragment (default random). */
  readonly newId?: () => string;
}

/** A translator of one (client, target) pair. */
export interface PairTranslator {
  /** The client API family served. */
  readonly client: ClientFamily;
  /** The client's error shape. */
  readonly errorShape: ErrorShape;
  /** The target reached. */
  readonly target: TranslationTarget;
  /** Translates one request, or refuses it in the client's error shape. */
  translate(input: RequestInput): RequestOutcome;
}
