/**
 * Stop reasons between APIs. Facts: Anthropic `stop_reason` (end_turn, max_tokens,
 * stop_sequence, tool_use, pause_turn, refusal — https://docs.anthropic.com/en/api/messages);
 * Bedrock Converse `stopReason` (end_turn, tool_use, max_tokens, stop_sequence,
 * guardrail_intervened, content_filtered —
 * https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ConverseStream.html);
 * Gemini `finishReason` (https://ai.google.dev/api/generate-content#FinishReason).
 */
import type { FinishReason } from './openai-chunks.js';

/** OpenAI finish reason of an Anthropic stop reason. */
export function finishOfAnthropic(reason: string | undefined): FinishReason {
  switch (reason) {
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return 'tool_calls';
    case 'refusal':
      return 'content_filter';
    default:
      return 'stop';
  }
}

/** OpenAI finish reason of a Converse stop reason. */
export function finishOfConverse(reason: string | undefined): FinishReason {
  switch (reason) {
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return 'tool_calls';
    case 'guardrail_intervened':
    case 'content_filtered':
      return 'content_filter';
    default:
      return 'stop';
  }
}

/** OpenAI finish reason of a Gemini finish reason; `sawTool` when the answer called a function. */
export function finishOfGemini(reason: string | undefined, sawTool: boolean): FinishReason {
  switch (reason) {
    case 'MAX_TOKENS':
      return 'length';
    case 'SAFETY':
    case 'RECITATION':
    case 'BLOCKLIST':
    case 'PROHIBITED_CONTENT':
    case 'SPII':
    case 'IMAGE_SAFETY':
      return 'content_filter';
    default:
      return sawTool ? 'tool_calls' : 'stop';
  }
}

/** Anthropic stop reason of an OpenAI finish reason. */
export function stopOfOpenAi(reason: string | undefined): string {
  switch (reason) {
    case 'length':
      return 'max_tokens';
    case 'tool_calls':
    case 'function_call':
      return 'tool_use';
    case 'content_filter':
      return 'refusal';
    default:
      return 'end_turn';
  }
}
