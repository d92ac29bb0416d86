/**
 * Anthropic Messages clients: requests rewritten for Claude on Bedrock and Vertex AI and for
 * OpenAI-compatible servers; responses (real recorded OpenAI streams included) rewritten back.
 */
import { describe, expect, it } from 'vitest';
import type { TokenUsage } from '../apis/api.js';
import { anthropicMessages } from '../apis/anthropic-messages.js';
import { openAiChatCompletions } from '../apis/openai-chat-completions.js';
import { loadCassette } from '../../test/support/cassettes.js';
import { providerJson } from '../../test/support/provider-fixtures.js';
import { awsExceptionFrame, invokeStream, runTranslator } from '../../test/support/translation-streams.js';
import { translationFixture } from '../../test/support/translation-fixtures.js';
import { anthropicTranslator } from './anthropic-pairs.js';
import type { RequestOutcome, TranslatedRequest, TranslationTarget } from './contract.js';

const env = { now: () => 1_700_000_000_000, newId: () => 'fixed' };
const SSE = 'text/event-stream';

const CLAUDE_CODE_LIKE = {
  model: 'claude-sonnet-4-20250514',
  max_tokens: 1024,
  system: [{ type: 'text', text: 'You are a coding agent.', cache_control: { type: 'ephemeral' } }],
  messages: [
    { role: 'user', content: [{ type: 'text', text: 'List files' }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } }] },
    { role: 'assistant', content: [{ type: 'thinking', thinking: 'use ls', signature: 's' }, { type: 'text', text: 'Running ls.' }, { type: 'tool_use', id: 'toolu_1', name: 'bash', input: { cmd: 'ls' } }] },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: 'a.ts b.ts' }] }, { type: 'text', text: 'Now count them.' }] },
  ],
  tools: [{ name: 'bash', description: 'Run a command', input_schema: { type: 'object', properties: { cmd: { type: 'string' } } } }],
  tool_choice: { type: 'auto', disable_parallel_tool_use: true },
  stop_sequences: ['STOP'],
  temperature: 0.5,
  metadata: { user_id: 'user-7' },
  stream: true,
};

function translate(target: TranslationTarget, body: unknown, headers: Record<string, string> = {}): RequestOutcome {
  return anthropicTranslator(target, env).translate({ path: '/v1/messages', headers, body: Buffer.from(JSON.stringify(body)) });
}

function ok(o: RequestOutcome): TranslatedRequest {
  if (!o.ok) throw new Error(o.body);
  return o.request;
}

const bodyOf = (r: TranslatedRequest): Record<string, unknown> => JSON.parse(r.body.toString('utf8')) as Record<string, unknown>;

describe('Anthropic Messages → Claude on Bedrock (InvokeModel) and Vertex AI', () => {
  it('Bedrock: model and stream into the URL, anthropic_version and anthropic_beta into the body', () => {
    const req = ok(translate({ kind: 'bedrock-anthropic' }, CLAUDE_CODE_LIKE, { 'anthropic-version': '2023-06-01', 'anthropic-beta': 'interleaved-thinking-2025-05-14, fine-grained-tool-streaming-2025-05-14' }));
    expect(req.path).toBe('/model/claude-sonnet-4-20250514/invoke-with-response-stream');
    const { model: _m, stream: _s, ...rest } = CLAUDE_CODE_LIKE;
    expect(bodyOf(req)).toEqual({ anthropic_version: 'bedrock-2023-05-31', ...rest, anthropic_beta: ['interleaved-thinking-2025-05-14', 'fine-grained-tool-streaming-2025-05-14'] });
    expect(req.headers.remove).toEqual(expect.arrayContaining(['anthropic-version', 'anthropic-beta']));
  });

  it('Vertex AI: model into the URL, anthropic_version into the body, stream kept', () => {
    const req = ok(translate({ kind: 'vertex-anthropic', vertex: { project: 'proj', region: 'us-east5' } }, CLAUDE_CODE_LIKE));
    expect(req.path).toBe('/v1/projects/proj/locations/us-east5/publishers/anthropic/models/claude-sonnet-4-20250514:streamRawPredict');
    const { model: _m, ...rest } = CLAUDE_CODE_LIKE;
    expect(bodyOf(req)).toEqual({ anthropic_version: 'vertex-2023-10-16', ...rest });
  });

  it('Bedrock stream: chunk frames become Anthropic SSE the Anthropic reader reads', () => {
    const inner = providerJson<Array<Record<string, unknown>>>('bedrock-invoke-anthropic-stream.events.json');
    const req = ok(translate({ kind: 'bedrock-anthropic' }, CLAUDE_CODE_LIKE));
    const rt = req.responseTranslator(200, { 'content-type': 'application/vnd.amazon.eventstream' });
    expect(rt.headers.set).toContainEqual(['content-type', SSE]);
    const out = runTranslator(rt, [invokeStream(inner), awsExceptionFrame('modelStreamErrorException', 'stream broke')]).toString('utf8');
    expect(out.startsWith('event: message_start\ndata: {"type":"message_start"')).toBe(true);
    expect(out).toContain('event: message_stop\n');
    expect(out).toContain('event: error\ndata: {"type":"error","error":{"type":"api_error","message":"stream broke"}}');
    const p = anthropicMessages.newResponseParser({ stream: true, contentType: SSE });
    p.push(Buffer.from(out));
    expect(p.end().usage).toMatchObject({ input: 14, output: 9 });
  });

  it('Bedrock errors come back in the Anthropic error shape', () => {
    const rt = ok(translate({ kind: 'bedrock-anthropic' }, CLAUDE_CODE_LIKE)).responseTranslator(429, { 'content-type': 'application/json', 'x-amzn-errortype': 'ThrottlingException' });
    expect(JSON.parse(runTranslator(rt, [Buffer.from('{"message":"Too many requests, please wait before trying again."}')]).toString())).toEqual({
      type: 'error',
      error: { type: 'rate_limit_error', message: 'Too many requests, please wait before trying again.' },
    });
  });
});

describe('Anthropic Messages → OpenAI-compatible server', () => {
  it('maps system, content blocks, tool use and results, tools and settings', () => {
    const req = ok(translate({ kind: 'openai' }, CLAUDE_CODE_LIKE, { 'anthropic-version': '2023-06-01' }));
    expect(req.path).toBe('/v1/chat/completions');
    expect(req.headers.remove).toContain('anthropic-version');
    expect(bodyOf(req)).toEqual({
      model: 'claude-sonnet-4-20250514',
      messages: [
        { role: 'system', content: 'You are a coding agent.' },
        { role: 'user', content: [{ type: 'text', text: 'List files' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } }] },
        { role: 'assistant', content: 'Running ls.', tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'bash', arguments: '{"cmd":"ls"}' } }] },
        { role: 'tool', tool_call_id: 'toolu_1', content: 'a.ts b.ts' },
        { role: 'user', content: [{ type: 'text', text: 'Now count them.' }] },
      ],
      max_tokens: 1024,
      temperature: 0.5,
      stop: ['STOP'],
      stream: true,
      stream_options: { include_usage: true },
      tools: [{ type: 'function', function: { name: 'bash', description: 'Run a command', parameters: { type: 'object', properties: { cmd: { type: 'string' } } } } }],
      tool_choice: 'auto',
      parallel_tool_calls: false,
      user: 'user-7',
    });
  });

  it('refuses thinking, server tools and documents, naming the field, in the Anthropic error shape', () => {
    for (const [extra, param] of [
      [{ thinking: { type: 'enabled', budget_tokens: 1024 } }, 'thinking'],
      [{ tools: [{ type: 'web_search_20250305', name: 'web_search' }] }, 'tools[0].type'],
      [{ messages: [{ role: 'user', content: [{ type: 'document', source: { type: 'text', data: 'x' } }] }] }, 'messages[0].content[0].type'],
    ] as const) {
      const out = translate({ kind: 'openai' }, { ...CLAUDE_CODE_LIKE, ...extra });
      expect(out.ok).toBe(false);
      if (out.ok) continue;
      const body = JSON.parse(out.body) as { type: string; error: { type: string; message: string } };
      expect(body.type).toBe('error');
      expect(body.error.type).toBe('invalid_request_error');
      expect(body.error.message.startsWith(`${param}:`)).toBe(true);
    }
  });

  function anthropicUsage(sse: string): TokenUsage {
    const p = anthropicMessages.newResponseParser({ stream: true, contentType: SSE });
    p.push(Buffer.from(sse));
    return p.end().usage;
  }

  it('rewrites a recorded OpenAI stream into Messages events with the same usage', () => {
    const recorded = loadCassette('chat-streaming-detailed-usage').interactions[0]!.response.body;
    const rt = ok(translate({ kind: 'openai' }, CLAUDE_CODE_LIKE)).responseTranslator(200, { 'content-type': 'text/event-stream; charset=utf-8' });
    const out = runTranslator(rt, [Buffer.from(recorded)]).toString('utf8');
    const types = out.split('\n').filter((l) => l.startsWith('event: ')).map((l) => l.slice(7));
    expect(types[0]).toBe('message_start');
    expect(types.slice(-2)).toEqual(['message_delta', 'message_stop']);
    expect(out).toContain('"stop_reason":"max_tokens"');
    const op = openAiChatCompletions.newResponseParser({ stream: true, contentType: SSE });
    op.push(Buffer.from(recorded));
    const expected = op.end().usage;
    expect(anthropicUsage(out)).toMatchObject({ input: expected.input, cachedInput: expected.cachedInput, output: expected.output });
  });

  it('streams tool-call deltas as tool_use blocks with input_json_delta', () => {
    const rt = ok(translate({ kind: 'openai' }, CLAUDE_CODE_LIKE)).responseTranslator(200, { 'content-type': SSE });
    const out = runTranslator(rt, [translationFixture('openai-chat-stream-tools.txt')]).toString('utf8');
    const events = out.split('\n').filter((l) => l.startsWith('data: ')).map((l) => JSON.parse(l.slice(6)) as Record<string, any>);
    expect(events.map((e) => e['type'])).toEqual([
      'message_start',
      'content_block_start',
      'content_block_delta',
      'content_block_stop',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(events[4]!['content_block']).toEqual({ type: 'tool_use', id: 'call_abc123', name: 'get_weather', input: {} });
    expect(events[5]!['delta']['partial_json'] + events[6]!['delta']['partial_json']).toBe('{"location": "Paris"}');
    expect(events[8]).toMatchObject({ delta: { stop_reason: 'tool_use' }, usage: { input_tokens: 52, cache_read_input_tokens: 128, output_tokens: 24 } });
    expect(anthropicUsage(out)).toMatchObject({ input: 180, cachedInput: 128, output: 24 });
  });

  it('rewrites a recorded whole chat.completion with tool calls into a message', () => {
    const recorded = loadCassette('chat-parallel-tools').interactions[0]!.response.body;
    const rt = ok(translate({ kind: 'openai' }, { ...CLAUDE_CODE_LIKE, stream: false })).responseTranslator(200, { 'content-type': 'application/json' });
    const msg = JSON.parse(runTranslator(rt, [Buffer.from(recorded)]).toString('utf8')) as Record<string, any>;
    const source = JSON.parse(recorded) as Record<string, any>;
    expect(msg['type']).toBe('message');
    expect(msg['stop_reason']).toBe('tool_use');
    const calls = source['choices'][0]['message']['tool_calls'] as Array<{ id: string; function: { name: string; arguments: string } }>;
    expect(msg['content']).toEqual(calls.map((c) => ({ type: 'tool_use', id: c.id, name: c.function.name, input: JSON.parse(c.function.arguments) })));
    expect(msg['usage']['output_tokens']).toBe(source['usage']['completion_tokens']);
  });

  it('carries cache writes an OpenAI-compatible server names (cache_write_tokens) as cache_creation_input_tokens', () => {
    const rt = ok(translate({ kind: 'openai' }, { ...CLAUDE_CODE_LIKE, stream: false })).responseTranslator(200, { 'content-type': 'application/json' });
    const whole = { id: 'c1', object: 'chat.completion', model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }], usage: { prompt_tokens: 100, completion_tokens: 5, prompt_tokens_details: { cached_tokens: 60, cache_write_tokens: 30 } } };
    const msg = JSON.parse(runTranslator(rt, [Buffer.from(JSON.stringify(whole))]).toString('utf8')) as Record<string, any>;
    expect(msg['usage']).toEqual({ input_tokens: 10, cache_read_input_tokens: 60, cache_creation_input_tokens: 30, output_tokens: 5 });
    const p = anthropicMessages.newResponseParser({ stream: false, contentType: 'application/json' });
    p.push(Buffer.from(JSON.stringify(msg)));
    expect(p.end().usage).toMatchObject({ input: 100, cachedInput: 60, cacheCreationInput: 30, output: 5 });
  });
});
