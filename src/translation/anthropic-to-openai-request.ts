/**
 * An Anthropic Messages request written as an OpenAI Chat Completions request, for Anthropic-SDK
 * clients served by OpenAI-compatible servers (vLLM, Ollama-style, OpenAI, Azure OpenAI). Field
 * facts: Anthropic Messages (https://docs.anthropic.com/en/api/messages) and OpenAI Chat
 * Completions (https://platform.openai.com/docs/api-reference/chat/create).
 *
 * Loose mappings (documented): `cache_control` hints are left out (OpenAI-compatible servers
 * cache prompts on their own); thinking blocks of earlier assistant turns are left out; a
 * `tool_result` with `is_error` is sent as a tool message whose text starts with `Error: `.
 */
import { asObject } from '../apis/json-fields.js';
import { arrayAt, isUnset, type Json, objectOf, optionalBoolean, optionalNumber, stringOf } from './json-body.js';
import { invalid, refuse } from './refusal.js';

const KNOWN = new Set([
  'model',
  'messages',
  'system',
  'max_tokens',
  'temperature',
  'top_p',
  'top_k',
  'stop_sequences',
  'stream',
  'tools',
  'tool_choice',
  'metadata',
]);

/** Reads an Anthropic Messages body and writes the Chat Completions body (model as given). */
export function anthropicToOpenAiRequest(body: Json, target: string, model: string): Json {
  for (const [key, value] of Object.entries(body)) {
    if (!KNOWN.has(key) && !isUnset(value)) refuse(key, target);
  }
  const messages: Json[] = [];
  const system = body['system'];
  if (typeof system === 'string') messages.push({ role: 'system', content: system });
  else if (!isUnset(system)) messages.push({ role: 'system', content: textBlocks(system, 'system', target) });
  arrayAt(body['messages'], 'messages').forEach((raw, i) => messages.push(...message(objectOf(raw, `messages[${i}]`), `messages[${i}]`, target)));
  const out: Json = { model, messages };
  const max = optionalNumber(body['max_tokens'], 'max_tokens');
  if (max !== undefined) out['max_tokens'] = max;
  for (const [from, to] of [
    ['temperature', 'temperature'],
    ['top_p', 'top_p'],
    ['top_k', 'top_k'],
  ] as const) {
    const v = optionalNumber(body[from], from);
    if (v !== undefined) out[to] = v;
  }
  if (!isUnset(body['stop_sequences'])) out['stop'] = arrayAt(body['stop_sequences'], 'stop_sequences').map((s, i) => stringOf(s, `stop_sequences[${i}]`));
  if (optionalBoolean(body['stream'], 'stream') === true) {
    out['stream'] = true;
    out['stream_options'] = { include_usage: true };
  }
  if (!isUnset(body['tools'])) {
    out['tools'] = arrayAt(body['tools'], 'tools').map((raw, i) => {
      const t = objectOf(raw, `tools[${i}]`);
      if (t['type'] !== undefined && t['type'] !== 'custom') refuse(`tools[${i}].type`, target, `server tools (${String(t['type'])}) are not available`);
      const fn: Json = { name: stringOf(t['name'], `tools[${i}].name`), parameters: isUnset(t['input_schema']) ? { type: 'object' } : objectOf(t['input_schema'], `tools[${i}].input_schema`) };
      if (!isUnset(t['description'])) fn['description'] = stringOf(t['description'], `tools[${i}].description`);
      return { type: 'function', function: fn };
    });
  }
  if (!isUnset(body['tool_choice'])) {
    const c = objectOf(body['tool_choice'], 'tool_choice');
    switch (c['type']) {
      case 'auto':
        out['tool_choice'] = 'auto';
        break;
      case 'any':
        out['tool_choice'] = 'required';
        break;
      case 'none':
        out['tool_choice'] = 'none';
        break;
      case 'tool':
        out['tool_choice'] = { type: 'function', function: { name: stringOf(c['name'], 'tool_choice.name') } };
        break;
      default:
        invalid('tool_choice.type', 'must be auto, any, tool or none');
    }
    if (c['disable_parallel_tool_use'] === true) out['parallel_tool_calls'] = false;
  }
  if (!isUnset(body['metadata'])) {
    const md = objectOf(body['metadata'], 'metadata');
    if (!isUnset(md['user_id'])) out['user'] = stringOf(md['user_id'], 'metadata.user_id');
  }
  return out;
}

function textBlocks(v: unknown, param: string, target: string): string {
  return arrayAt(v, param)
    .map((raw, i) => {
      const b = objectOf(raw, `${param}[${i}]`);
      if (b['type'] !== 'text') refuse(`${param}[${i}].type`, target, `only text blocks are supported here (got ${JSON.stringify(b['type'])})`);
      return stringOf(b['text'], `${param}[${i}].text`);
    })
    .join('\n');
}

function message(m: Json, param: string, target: string): Json[] {
  const role = m['role'];
  if (role !== 'user' && role !== 'assistant') return invalid(`${param}.role`, 'must be user or assistant');
  const content = m['content'];
  if (typeof content === 'string') return [{ role, content }];
  const blocks = arrayAt(content, `${param}.content`);
  if (role === 'assistant') {
    let text = '';
    const calls: Json[] = [];
    blocks.forEach((raw, i) => {
      const p = `${param}.content[${i}]`;
      const b = objectOf(raw, p);
      switch (b['type']) {
        case 'text':
          text += stringOf(b['text'], `${p}.text`);
          break;
        case 'tool_use':
          calls.push({ id: stringOf(b['id'], `${p}.id`), type: 'function', function: { name: stringOf(b['name'], `${p}.name`), arguments: JSON.stringify(b['input'] ?? {}) } });
          break;
        case 'thinking':
        case 'redacted_thinking':
          break;
        default:
          refuse(`${p}.type`, target, `assistant blocks of type ${JSON.stringify(b['type'])} are not supported`);
      }
    });
    const out: Json = { role: 'assistant', content: text === '' && calls.length > 0 ? null : text };
    if (calls.length > 0) out['tool_calls'] = calls;
    return [out];
  }
  const tools: Json[] = [];
  const parts: Json[] = [];
  blocks.forEach((raw, i) => {
    const p = `${param}.content[${i}]`;
    const b = objectOf(raw, p);
    switch (b['type']) {
      case 'text':
        parts.push({ type: 'text', text: stringOf(b['text'], `${p}.text`) });
        break;
      case 'image':
        parts.push({ type: 'image_url', image_url: { url: imageUrl(objectOf(b['source'], `${p}.source`), `${p}.source`, target) } });
        break;
      case 'tool_result': {
        const c = b['content'];
        let text = typeof c === 'string' ? c : isUnset(c) ? '' : textBlocks(c, `${p}.content`, target);
        if (b['is_error'] === true) text = `Error: ${text}`;
        tools.push({ role: 'tool', tool_call_id: stringOf(b['tool_use_id'], `${p}.tool_use_id`), content: text });
        break;
      }
      default:
        refuse(`${p}.type`, target, `user blocks of type ${JSON.stringify(b['type'])} are not supported`);
    }
  });
  return parts.length > 0 ? [...tools, { role: 'user', content: parts }] : tools;
}

function imageUrl(source: Json, param: string, target: string): string {
  if (source['type'] === 'base64') return `data:${stringOf(source['media_type'], `${param}.media_type`)};base64,${stringOf(source['data'], `${param}.data`)}`;
  if (source['type'] === 'url') return stringOf(source['url'], `${param}.url`);
  return refuse(`${param}.type`, target, `image sources of type ${JSON.stringify(asObject(source)?.['type'])} are not supported`);
}
