/**
 * A {@link ChatRequest} written as an Anthropic Messages request body. Field facts: Anthropic API
 * reference, Messages (https://docs.anthropic.com/en/api/messages): `system`, `messages[].content`
 * blocks (`text`, `image` with a `base64` or `url` source, `tool_use`, `tool_result`),
 * `max_tokens` (required), `stop_sequences`, `tools[].input_schema`, `tool_choice`
 * (`auto` / `any` / `tool` / `none`, `disable_parallel_tool_use`), `metadata.user_id`.
 */
import type { ChatPart, ChatRequest } from './chat-request.js';
import type { Json } from './json-body.js';
import { refuse } from './refusal.js';

/** `max_tokens` sent when the client set none (Anthropic requires it). */
export const DEFAULT_MAX_TOKENS = 4096;

/** Options of {@link writeAnthropic}. */
export interface AnthropicWriteOptions {
  /** Target name for refusals (`Anthropic`, `Claude on Bedrock`, …). */
  readonly target: string;
  /** The target fetches `url` image sources itself (the Anthropic API does). */
  readonly imageUrls: boolean;
}

/** The Messages body for `req` (without `model`, `stream` or `anthropic_version`: the caller adds those its target needs). */
export function writeAnthropic(req: ChatRequest, opts: AnthropicWriteOptions): Json {
  const { target } = opts;
  if (req.responseFormat !== undefined) refuse('response_format', target, 'JSON mode is not available');
  if (req.n !== undefined) refuse('n', target, 'only one choice (n = 1) is available');
  if (req.seed !== undefined) refuse('seed', target);
  if (req.presencePenalty !== undefined) refuse('presence_penalty', target);
  if (req.frequencyPenalty !== undefined) refuse('frequency_penalty', target);
  const out: Json = { max_tokens: req.maxTokens ?? DEFAULT_MAX_TOKENS };
  if (req.system.length === 1) out['system'] = req.system[0]!.text;
  else if (req.system.length > 1) out['system'] = req.system.map((s) => ({ type: 'text', text: s.text }));
  out['messages'] = req.turns.map((t) => ({ role: t.role, content: t.parts.map((p) => block(p, opts)) }));
  if (req.temperature !== undefined) out['temperature'] = req.temperature;
  if (req.topP !== undefined) out['top_p'] = req.topP;
  if (req.topK !== undefined) out['top_k'] = req.topK;
  if (req.stop !== undefined) out['stop_sequences'] = req.stop;
  if (req.tools !== undefined && req.tools.length > 0) {
    out['tools'] = req.tools.map((t) => ({ name: t.name, ...(t.description !== undefined ? { description: t.description } : {}), input_schema: t.parameters }));
  }
  const choice = toolChoice(req);
  if (choice !== undefined) out['tool_choice'] = choice;
  if (req.user !== undefined) out['metadata'] = { user_id: req.user };
  return out;
}

function toolChoice(req: ChatRequest): Json | undefined {
  const c = req.toolChoice;
  let out: Json | undefined;
  if (c?.type === 'auto') out = { type: 'auto' };
  else if (c?.type === 'required') out = { type: 'any' };
  else if (c?.type === 'none') out = { type: 'none' };
  else if (c?.type === 'tool') out = { type: 'tool', name: c.name };
  if (req.parallelToolCalls === false && c?.type !== 'none') out = { ...(out ?? { type: 'auto' }), disable_parallel_tool_use: true };
  return out;
}

function block(p: ChatPart, opts: AnthropicWriteOptions): Json {
  switch (p.kind) {
    case 'text':
      return { type: 'text', text: p.text };
    case 'image':
      if (p.data !== undefined) return { type: 'image', source: { type: 'base64', media_type: p.mediaType, data: p.data } };
      if (!opts.imageUrls) return refuse(`${p.param}.image_url.url`, opts.target, 'image URLs are not fetched; send the image as a base64 data URL');
      return { type: 'image', source: { type: 'url', url: p.url } };
    case 'tool_call':
      return { type: 'tool_use', id: p.id, name: p.name, input: p.args };
    case 'tool_result':
      return { type: 'tool_result', tool_use_id: p.id, content: p.text };
  }
}
