/**
 * A provider-neutral view of an OpenAI Chat Completions request, read once and then written in
 * each target's dialect. Reading validates the OpenAI shape (a wrong type is a 400 naming the
 * field) and refuses top-level fields no translation expresses; each writer refuses what its own
 * target lacks.
 */

/** One piece of a turn. `param` is where it came from in the client's request, for refusals. */
export type ChatPart =
  | { readonly kind: 'text'; readonly text: string; readonly param: string }
  | {
      readonly kind: 'image';
      /** `image/png`, … for inline data. */
      readonly mediaType?: string;
      /** Base64 data (from a `data:` URL). */
      readonly data?: string;
      /** A remote URL, when the client gave one. */
      readonly url?: string;
      readonly param: string;
    }
  | { readonly kind: 'tool_call'; readonly id: string; readonly name: string; readonly args: Record<string, unknown>; readonly param: string }
  | {
      readonly kind: 'tool_result';
      readonly id: string;
      /** Name of the tool called (from the assistant turn holding the call), when known. */
      readonly name?: string;
      readonly text: string;
      readonly param: string;
    };

/** Consecutive messages of one role, merged (targets want alternating turns). */
export interface ChatTurn {
  readonly role: 'user' | 'assistant';
  readonly parts: ChatPart[];
}

/** A function tool the model may call. */
export interface ChatTool {
  readonly name: string;
  readonly description?: string;
  /** JSON Schema of the arguments. */
  readonly parameters: Record<string, unknown>;
  /** OpenAI `strict`, when set. */
  readonly strict?: boolean;
}

/** Tool choice, normalised. */
export type ChatToolChoice = { readonly type: 'auto' | 'required' | 'none' } | { readonly type: 'tool'; readonly name: string };

/** `response_format`, normalised. */
export type ChatResponseFormat =
  | { readonly type: 'json_object' }
  | { readonly type: 'json_schema'; readonly name: string; readonly schema: Record<string, unknown>; readonly strict?: boolean };

/** An OpenAI Chat Completions request, read. */
export interface ChatRequest {
  readonly model?: string;
  readonly stream: boolean;
  /** System and developer messages, in order. */
  readonly system: ReadonlyArray<{ readonly text: string; readonly param: string }>;
  readonly turns: readonly ChatTurn[];
  readonly maxTokens?: number;
  readonly temperature?: number;
  readonly topP?: number;
  /** `top_k` (an extension some OpenAI-compatible clients send). */
  readonly topK?: number;
  readonly stop?: readonly string[];
  readonly tools?: readonly ChatTool[];
  readonly toolChoice?: ChatToolChoice;
  readonly parallelToolCalls?: boolean;
  readonly user?: string;
  readonly responseFormat?: ChatResponseFormat;
  /** `n` when set to more than 1. */
  readonly n?: number;
  readonly seed?: number;
  readonly presencePenalty?: number;
  readonly frequencyPenalty?: number;
}
