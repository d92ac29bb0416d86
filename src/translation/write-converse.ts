/**
 * A {@link ChatRequest} written as a Bedrock Converse / ConverseStream body. Field facts: Amazon
 * Bedrock API reference, Converse (https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html):
 * `messages[].content[]` blocks (`text`, `image` {`format`, `source.bytes`}, `toolUse`,
 * `toolResult`), `system[]`, `inferenceConfig` (`maxTokens`, `temperature`, `topP`,
 * `stopSequences`), `toolConfig` (`tools[].toolSpec.inputSchema.json`, `toolChoice`
 * `auto` / `any` / `tool`), `requestMetadata`. Roles must alternate (turns are merged already).
 */
import type { ChatPart, ChatRequest } from './chat-request.js';
import type { Json } from './json-body.js';
import { refuse } from './refusal.js';

const TARGET = 'Bedrock Converse';
const IMAGE_FORMATS: Readonly<Record<string, string>> = { 'image/png': 'png', 'image/jpeg': 'jpeg', 'image/jpg': 'jpeg', 'image/gif': 'gif', 'image/webp': 'webp' };

/** The Converse body for `req` (the model and the stream flag go in the URL). */
export function writeConverse(req: ChatRequest): Json {
  if (req.responseFormat !== undefined) refuse('response_format', TARGET, 'JSON mode is not available');
  if (req.n !== undefined) refuse('n', TARGET, 'only one choice (n = 1) is available');
  if (req.seed !== undefined) refuse('seed', TARGET);
  if (req.presencePenalty !== undefined) refuse('presence_penalty', TARGET);
  if (req.frequencyPenalty !== undefined) refuse('frequency_penalty', TARGET);
  if (req.topK !== undefined) refuse('top_k', TARGET);
  if (req.toolChoice?.type === 'none') refuse('tool_choice', TARGET, '"none" has no equivalent');
  if (req.parallelToolCalls === false) refuse('parallel_tool_calls', TARGET, 'false has no equivalent');
  const out: Json = { messages: req.turns.map((t) => ({ role: t.role, content: t.parts.map(block) })) };
  if (req.system.length > 0) out['system'] = req.system.map((s) => ({ text: s.text }));
  const inference: Json = {};
  if (req.maxTokens !== undefined) inference['maxTokens'] = req.maxTokens;
  if (req.temperature !== undefined) inference['temperature'] = req.temperature;
  if (req.topP !== undefined) inference['topP'] = req.topP;
  if (req.stop !== undefined) inference['stopSequences'] = req.stop;
  if (Object.keys(inference).length > 0) out['inferenceConfig'] = inference;
  if (req.tools !== undefined && req.tools.length > 0) {
    const toolConfig: Json = {
      tools: req.tools.map((t) => ({
        toolSpec: { name: t.name, ...(t.description !== undefined ? { description: t.description } : {}), inputSchema: { json: t.parameters } },
      })),
    };
    const c = req.toolChoice;
    if (c?.type === 'auto') toolConfig['toolChoice'] = { auto: {} };
    else if (c?.type === 'required') toolConfig['toolChoice'] = { any: {} };
    else if (c?.type === 'tool') toolConfig['toolChoice'] = { tool: { name: c.name } };
    out['toolConfig'] = toolConfig;
  } else if (req.toolChoice !== undefined) {
    refuse('tool_choice', TARGET, 'needs tools');
  }
  if (req.user !== undefined) out['requestMetadata'] = { user: req.user };
  return out;
}

function block(p: ChatPart): Json {
  switch (p.kind) {
    case 'text':
      return { text: p.text };
    case 'image': {
      if (p.data === undefined) return refuse(`${p.param}.image_url.url`, TARGET, 'image URLs are not fetched; send the image as a base64 data URL');
      const format = IMAGE_FORMATS[(p.mediaType ?? '').toLowerCase()];
      if (format === undefined) return refuse(`${p.param}.image_url.url`, TARGET, `images of type ${p.mediaType ?? 'unknown'} are not accepted (png, jpeg, gif, webp are)`);
      return { image: { format, source: { bytes: p.data } } };
    }
    case 'tool_call':
      return { toolUse: { toolUseId: p.id, name: p.name, input: p.args } };
    case 'tool_result':
      return { toolResult: { toolUseId: p.id, content: [{ text: p.text }] } };
  }
}
