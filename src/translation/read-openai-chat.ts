/**
 * Reads an OpenAI Chat Completions request body into a {@link ChatRequest}. Field facts: OpenAI
 * API reference, "Create chat completion" (https://platform.openai.com/docs/api-reference/chat/create).
 */
import { asObject } from '../apis/json-fields.js';
import type { ChatPart, ChatRequest, ChatResponseFormat, ChatTool, ChatToolChoice, ChatTurn } from './chat-request.js';
import {
  arrayAt,
  isUnset,
  type Json,
  objectOf,
  optionalBoolean,
  optionalNumber,
  parseArguments,
  stopList,
  stringOf,
} from './json-body.js';
import { invalid, refuse } from './refusal.js';

/** Top-level fields a translation reads; any other field that is set is refused. */
const KNOWN = new Set([
  'model',
  'messages',
  'stream',
  'stream_options',
  'max_tokens',
  'max_completion_tokens',
  'temperature',
  'top_p',
  'top_k',
  'stop',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'user',
  'response_format',
  'n',
  'seed',
  'presence_penalty',
  'frequency_penalty',
  'store',
  'logprobs',
]);

/** Reads `body` (already parsed) for a target named `target` (used in refusals). */
export function readOpenAiChat(body: Json, target: string): ChatRequest {
  for (const [key, value] of Object.entries(body)) {
    if (!KNOWN.has(key) && !isUnset(value)) refuse(key, target);
  }
  if (body['store'] === true) refuse('store', target);
  if (body['logprobs'] === true) refuse('logprobs', target);
  const model = isUnset(body['model']) ? undefined : stringOf(body['model'], 'model');
  const stream = optionalBoolean(body['stream'], 'stream') ?? false;
  if (!isUnset(body['stream_options'])) objectOf(body['stream_options'], 'stream_options');
  const messages = arrayAt(body['messages'], 'messages');
  if (messages.length === 0) invalid('messages', 'must not be empty');
  const system: Array<{ text: string; param: string }> = [];
  const turns: ChatTurn[] = [];
  const toolNames = new Map<string, string>();
  messages.forEach((raw, i) => readMessage(objectOf(raw, `messages[${i}]`), `messages[${i}]`, target, system, turns, toolNames));
  const n = optionalNumber(body['n'], 'n');
  const req: ChatRequest = {
    ...(model !== undefined ? { model } : {}),
    stream,
    system,
    turns,
    ...opt('maxTokens', optionalNumber(body['max_completion_tokens'], 'max_completion_tokens') ?? optionalNumber(body['max_tokens'], 'max_tokens')),
    ...opt('temperature', optionalNumber(body['temperature'], 'temperature')),
    ...opt('topP', optionalNumber(body['top_p'], 'top_p')),
    ...opt('topK', optionalNumber(body['top_k'], 'top_k')),
    ...opt('stop', stopList(body['stop'], 'stop')),
    ...opt('tools', isUnset(body['tools']) ? undefined : arrayAt(body['tools'], 'tools').map((t, i) => readTool(t, `tools[${i}]`, target))),
    ...opt('toolChoice', readToolChoice(body['tool_choice'])),
    ...opt('parallelToolCalls', optionalBoolean(body['parallel_tool_calls'], 'parallel_tool_calls')),
    ...opt('user', isUnset(body['user']) ? undefined : stringOf(body['user'], 'user')),
    ...opt('responseFormat', readResponseFormat(body['response_format'])),
    ...opt('n', n !== undefined && n !== 1 ? n : undefined),
    ...opt('seed', optionalNumber(body['seed'], 'seed')),
    ...opt('presencePenalty', optionalNumber(body['presence_penalty'], 'presence_penalty')),
    ...opt('frequencyPenalty', optionalNumber(body['frequency_penalty'], 'frequency_penalty')),
  };
  return req;
}

function opt<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

function readMessage(
  m: Json,
  param: string,
  target: string,
  system: Array<{ text: string; param: string }>,
  turns: ChatTurn[],
  toolNames: Map<string, string>,
): void {
  const role = stringOf(m['role'], `${param}.role`);
  if (!isUnset(m['name'])) refuse(`${param}.name`, target);
  if (!isUnset(m['function_call'])) refuse(`${param}.function_call`, target, 'legacy function calls are not supported');
  if (!isUnset(m['audio'])) refuse(`${param}.audio`, target);
  switch (role) {
    case 'system':
    case 'developer': {
      const text = textOnly(m['content'], `${param}.content`, target);
      system.push({ text, param });
      return;
    }
    case 'user':
      push(turns, 'user', contentParts(m['content'], `${param}.content`, target));
      return;
    case 'assistant': {
      const parts: ChatPart[] = isUnset(m['content']) ? [] : contentParts(m['content'], `${param}.content`, target, true);
      if (!isUnset(m['tool_calls'])) {
        arrayAt(m['tool_calls'], `${param}.tool_calls`).forEach((raw, j) => {
          const p = `${param}.tool_calls[${j}]`;
          const call = objectOf(raw, p);
          if (call['type'] !== undefined && call['type'] !== 'function') refuse(`${p}.type`, target, 'only function tool calls are supported');
          const fn = objectOf(call['function'], `${p}.function`);
          const id = stringOf(call['id'], `${p}.id`);
          const name = stringOf(fn['name'], `${p}.function.name`);
          toolNames.set(id, name);
          parts.push({ kind: 'tool_call', id, name, args: parseArguments(fn['arguments'], `${p}.function.arguments`), param: p });
        });
      }
      push(turns, 'assistant', parts);
      return;
    }
    case 'tool': {
      const id = stringOf(m['tool_call_id'], `${param}.tool_call_id`);
      const text = textOnly(m['content'], `${param}.content`, target);
      const name = toolNames.get(id);
      push(turns, 'user', [{ kind: 'tool_result', id, ...(name !== undefined ? { name } : {}), text, param }]);
      return;
    }
    default:
      return invalid(`${param}.role`, `unknown role ${JSON.stringify(role)}`);
  }
}

function push(turns: ChatTurn[], role: 'user' | 'assistant', parts: ChatPart[]): void {
  const last = turns[turns.length - 1];
  if (last !== undefined && last.role === role) last.parts.push(...parts);
  else turns.push({ role, parts });
}

/** Text of a content that may only hold text (system, developer, tool). */
function textOnly(content: unknown, param: string, target: string): string {
  if (typeof content === 'string') return content;
  const parts = arrayAt(content, param);
  return parts
    .map((raw, i) => {
      const part = objectOf(raw, `${param}[${i}]`);
      if (part['type'] !== 'text') refuse(`${param}[${i}].type`, target, `only text parts are supported here (got ${JSON.stringify(part['type'])})`);
      return stringOf(part['text'], `${param}[${i}].text`);
    })
    .join('\n');
}

function contentParts(content: unknown, param: string, target: string, assistant = false): ChatPart[] {
  if (typeof content === 'string') return content === '' ? [] : [{ kind: 'text', text: content, param }];
  return arrayAt(content, param).map((raw, i): ChatPart => {
    const p = `${param}[${i}]`;
    const part = objectOf(raw, p);
    const type = part['type'];
    if (type === 'text') return { kind: 'text', text: stringOf(part['text'], `${p}.text`), param: p };
    if (type === 'refusal' && assistant) return { kind: 'text', text: stringOf(part['refusal'], `${p}.refusal`), param: p };
    if (type === 'image_url' && !assistant) return readImage(objectOf(part['image_url'], `${p}.image_url`), p);
    return refuse(`${p}.type`, target, `content parts of type ${JSON.stringify(type)} are not supported`);
  });
}

function readImage(image: Json, param: string): ChatPart {
  const url = stringOf(image['url'], `${param}.image_url.url`);
  const m = /^data:([^;,]+);base64,(.*)$/s.exec(url);
  if (m !== null) return { kind: 'image', mediaType: m[1]!, data: m[2]!, param };
  if (url.startsWith('data:')) return invalid(`${param}.image_url.url`, 'data URLs must be base64 encoded');
  return { kind: 'image', url, param };
}

function readTool(raw: unknown, param: string, target: string): ChatTool {
  const tool = objectOf(raw, param);
  if (tool['type'] !== 'function') refuse(`${param}.type`, target, 'only function tools are supported');
  const fn = objectOf(tool['function'], `${param}.function`);
  const name = stringOf(fn['name'], `${param}.function.name`);
  const parameters = isUnset(fn['parameters']) ? { type: 'object', properties: {} } : objectOf(fn['parameters'], `${param}.function.parameters`);
  const description = isUnset(fn['description']) ? undefined : stringOf(fn['description'], `${param}.function.description`);
  const strict = optionalBoolean(fn['strict'], `${param}.function.strict`);
  return { name, parameters, ...(description !== undefined ? { description } : {}), ...(strict !== undefined ? { strict } : {}) };
}

function readToolChoice(v: unknown): ChatToolChoice | undefined {
  if (isUnset(v)) return undefined;
  if (v === 'auto' || v === 'required' || v === 'none') return { type: v };
  const o = asObject(v);
  if (o !== undefined && o['type'] === 'function') {
    return { type: 'tool', name: stringOf(objectOf(o['function'], 'tool_choice.function')['name'], 'tool_choice.function.name') };
  }
  return invalid('tool_choice', 'must be "auto", "required", "none" or {"type":"function","function":{"name":…}}');
}

function readResponseFormat(v: unknown): ChatResponseFormat | undefined {
  if (isUnset(v)) return undefined;
  const o = objectOf(v, 'response_format');
  switch (o['type']) {
    case 'text':
      return undefined;
    case 'json_object':
      return { type: 'json_object' };
    case 'json_schema': {
      const js = objectOf(o['json_schema'], 'response_format.json_schema');
      const strict = optionalBoolean(js['strict'], 'response_format.json_schema.strict');
      return {
        type: 'json_schema',
        name: stringOf(js['name'], 'response_format.json_schema.name'),
        schema: isUnset(js['schema']) ? {} : objectOf(js['schema'], 'response_format.json_schema.schema'),
        ...(strict !== undefined ? { strict } : {}),
      };
    }
    default:
      return invalid('response_format.type', 'must be "text", "json_object" or "json_schema"');
  }
}
