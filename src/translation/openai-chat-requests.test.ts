import { describe, expect, it } from 'vitest';
import type { RequestOutcome, TranslatedRequest, TranslationTarget } from './contract.js';
import { openAiChatTranslator } from './openai-chat-pairs.js';

const env = { now: () => 1_700_000_000_000, newId: () => 'fixed' };
const PNG = 'iVBORw0KGgo=';

const TOOLS = [
  { type: 'function', function: { name: 'get_weather', description: 'Weather of a city', parameters: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] } } },
];

/** A conversation with every part the translations map: system, image, tool call and result. */
const CONVERSATION = {
  model: 'gpt-4o',
  messages: [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: [{ type: 'text', text: 'Weather here?' }, { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}` } }] },
    { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Paris"}' } }] },
    { role: 'tool', tool_call_id: 'call_1', content: '18°C, sunny' },
    { role: 'user', content: 'Thanks. Tomorrow?' },
  ],
  tools: TOOLS,
  tool_choice: 'auto',
  max_tokens: 300,
  temperature: 0.2,
  stop: ['END'],
  stream: true,
  stream_options: { include_usage: true },
};

function translate(target: TranslationTarget, body: unknown, model?: string): RequestOutcome {
  return openAiChatTranslator(target, env).translate({ path: '/v1/chat/completions', headers: {}, body: Buffer.from(JSON.stringify(body)), ...(model ? { model } : {}) });
}

function ok(outcome: RequestOutcome): TranslatedRequest {
  if (!outcome.ok) throw new Error(`refused: ${outcome.body}`);
  return outcome.request;
}

function bodyOf(req: TranslatedRequest): Record<string, unknown> {
  return JSON.parse(req.body.toString('utf8')) as Record<string, unknown>;
}

function header(req: TranslatedRequest, name: string): string | undefined {
  return req.headers.set.find(([k]) => k === name)?.[1];
}

describe('OpenAI Chat → Anthropic Messages', () => {
  it('maps system, image, tool call, tool result, tools, limits and streaming', () => {
    const req = ok(translate({ kind: 'anthropic' }, CONVERSATION, 'claude-sonnet-4-20250514'));
    expect(req.path).toBe('/v1/messages');
    expect(req.stream).toBe(true);
    expect(header(req, 'anthropic-version')).toBe('2023-06-01');
    expect(header(req, 'content-length')).toBe(String(req.body.length));
    expect(header(req, 'accept-encoding')).toBe('identity');
    expect(bodyOf(req)).toEqual({
      model: 'claude-sonnet-4-20250514',
      max_tokens: 300,
      system: 'Be brief.',
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'Weather here?' }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } }] },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'call_1', name: 'get_weather', input: { location: 'Paris' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'call_1', content: '18°C, sunny' }, { type: 'text', text: 'Thanks. Tomorrow?' }] },
      ],
      temperature: 0.2,
      stop_sequences: ['END'],
      tools: [{ name: 'get_weather', description: 'Weather of a city', input_schema: TOOLS[0]!.function.parameters }],
      tool_choice: { type: 'auto' },
      stream: true,
    });
  });

  it('sends a default max_tokens (Anthropic requires one) and maps tool_choice variants', () => {
    const base = { model: 'm', messages: [{ role: 'user', content: 'hi' }], tools: TOOLS };
    expect(bodyOf(ok(translate({ kind: 'anthropic' }, base)))['max_tokens']).toBe(4096);
    expect(bodyOf(ok(translate({ kind: 'anthropic' }, { ...base, tool_choice: 'required' })))['tool_choice']).toEqual({ type: 'any' });
    expect(bodyOf(ok(translate({ kind: 'anthropic' }, { ...base, tool_choice: { type: 'function', function: { name: 'get_weather' } } })))['tool_choice']).toEqual({ type: 'tool', name: 'get_weather' });
    expect(bodyOf(ok(translate({ kind: 'anthropic' }, { ...base, parallel_tool_calls: false })))['tool_choice']).toEqual({ type: 'auto', disable_parallel_tool_use: true });
    expect(bodyOf(ok(translate({ kind: 'anthropic' }, { ...base, max_completion_tokens: 77, user: 'u-1' })))).toMatchObject({ max_tokens: 77, metadata: { user_id: 'u-1' } });
  });

  it('refuses what Messages cannot express, naming the field, in the OpenAI error shape', () => {
    const base = { model: 'm', messages: [{ role: 'user', content: 'hi' }] };
    for (const [extra, param] of [
      [{ response_format: { type: 'json_object' } }, 'response_format'],
      [{ n: 2 }, 'n'],
      [{ logit_bias: { '1': 2 } }, 'logit_bias'],
      [{ seed: 7 }, 'seed'],
      [{ messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'x', format: 'wav' } }] }] }, 'messages[0].content[0].type'],
      [{ messages: [{ role: 'user', name: 'bob', content: 'hi' }] }, 'messages[0].name'],
    ] as const) {
      const out = translate({ kind: 'anthropic' }, { ...base, ...extra });
      expect(out.ok, param).toBe(false);
      if (out.ok) continue;
      expect(out.status).toBe(400);
      const err = (JSON.parse(out.body) as { error: { param: string; type: string; message: string } }).error;
      expect(err).toMatchObject({ param, type: 'invalid_request_error' });
      expect(err.message).toContain('the Anthropic API');
    }
  });

  it('rejects malformed bodies with a 400 naming the field', () => {
    const bad = openAiChatTranslator({ kind: 'anthropic' }, env).translate({ path: '/v1/chat/completions', headers: {}, body: Buffer.from('{"model":') });
    expect(bad.ok).toBe(false);
    const args = translate({ kind: 'anthropic' }, { model: 'm', messages: [{ role: 'assistant', tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{not json' } }] }] });
    expect(args.ok).toBe(false);
    if (!args.ok) expect(JSON.parse(args.body).error.param).toBe('messages[0].tool_calls[0].function.arguments');
  });

  it('passes image URLs to the Anthropic API but refuses them for Claude on Bedrock and Vertex AI', () => {
    const body = { model: 'm', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://example.com/cat.png' } }] }] };
    expect((bodyOf(ok(translate({ kind: 'anthropic' }, body)))['messages'] as Array<{ content: unknown[] }>)[0]!.content[0]).toEqual({ type: 'image', source: { type: 'url', url: 'https://example.com/cat.png' } });
    const refused = translate({ kind: 'bedrock-anthropic' }, body);
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(JSON.parse(refused.body).error.param).toBe('messages[0].content[0].image_url.url');
  });
});

describe('OpenAI Chat → Claude on Bedrock and Vertex AI', () => {
  it('puts the model in the URL and anthropic_version in the body (Bedrock: stream in the URL)', () => {
    const bedrock = ok(translate({ kind: 'bedrock-anthropic' }, CONVERSATION, 'anthropic.claude-3-5-sonnet-20240620-v1:0'));
    expect(bedrock.path).toBe('/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/invoke-with-response-stream');
    expect(header(bedrock, 'accept')).toBe('application/vnd.amazon.eventstream');
    const b = bodyOf(bedrock);
    expect(b['anthropic_version']).toBe('bedrock-2023-05-31');
    expect(b).not.toHaveProperty('model');
    expect(b).not.toHaveProperty('stream');
    const vertex = ok(translate({ kind: 'vertex-anthropic', vertex: { project: 'p1', region: 'us-east5' } }, { ...CONVERSATION, stream: false }, 'claude-sonnet-4@20250514'));
    expect(vertex.path).toBe('/v1/projects/p1/locations/us-east5/publishers/anthropic/models/claude-sonnet-4%4020250514:rawPredict');
    expect(bodyOf(vertex)).toMatchObject({ anthropic_version: 'vertex-2023-10-16' });
    expect(bodyOf(vertex)).not.toHaveProperty('model');
  });
});

describe('OpenAI Chat → Bedrock Converse', () => {
  it('maps messages, image, tools and inference settings', () => {
    const req = ok(translate({ kind: 'bedrock-converse' }, CONVERSATION, 'amazon.nova-pro-v1:0'));
    expect(req.path).toBe('/model/amazon.nova-pro-v1%3A0/converse-stream');
    expect(bodyOf(req)).toEqual({
      messages: [
        { role: 'user', content: [{ text: 'Weather here?' }, { image: { format: 'png', source: { bytes: PNG } } }] },
        { role: 'assistant', content: [{ toolUse: { toolUseId: 'call_1', name: 'get_weather', input: { location: 'Paris' } } }] },
        { role: 'user', content: [{ toolResult: { toolUseId: 'call_1', content: [{ text: '18°C, sunny' }] } }, { text: 'Thanks. Tomorrow?' }] },
      ],
      system: [{ text: 'Be brief.' }],
      inferenceConfig: { maxTokens: 300, temperature: 0.2, stopSequences: ['END'] },
      toolConfig: { tools: [{ toolSpec: { name: 'get_weather', description: 'Weather of a city', inputSchema: { json: TOOLS[0]!.function.parameters } } }], toolChoice: { auto: {} } },
    });
    expect(ok(translate({ kind: 'bedrock-converse' }, { ...CONVERSATION, stream: false }, 'm')).path).toBe('/model/m/converse');
  });

  it('refuses JSON mode, tool_choice none and top_k', () => {
    for (const [extra, param] of [
      [{ response_format: { type: 'json_object' } }, 'response_format'],
      [{ tool_choice: 'none' }, 'tool_choice'],
      [{ top_k: 5 }, 'top_k'],
    ] as const) {
      const out = translate({ kind: 'bedrock-converse' }, { ...CONVERSATION, ...extra });
      expect(out.ok).toBe(false);
      if (!out.ok) expect(JSON.parse(out.body).error.param).toBe(param);
    }
  });
});

describe('OpenAI Chat → Gemini', () => {
  it('maps contents, system instruction, function calls and responses, JSON schema output', () => {
    const req = ok(translate({ kind: 'gemini' }, { ...CONVERSATION, response_format: { type: 'json_schema', json_schema: { name: 'w', schema: { type: 'object' } } }, seed: 3 }, 'gemini-2.5-flash'));
    expect(req.path).toBe('/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse');
    expect(bodyOf(req)).toEqual({
      contents: [
        { role: 'user', parts: [{ text: 'Weather here?' }, { inlineData: { mimeType: 'image/png', data: PNG } }] },
        { role: 'model', parts: [{ functionCall: { name: 'get_weather', args: { location: 'Paris' } } }] },
        { role: 'user', parts: [{ functionResponse: { name: 'get_weather', response: { content: '18°C, sunny' } } }, { text: 'Thanks. Tomorrow?' }] },
      ],
      systemInstruction: { parts: [{ text: 'Be brief.' }] },
      generationConfig: { maxOutputTokens: 300, temperature: 0.2, stopSequences: ['END'], seed: 3, responseMimeType: 'application/json', responseJsonSchema: { type: 'object' } },
      tools: [{ functionDeclarations: [{ name: 'get_weather', description: 'Weather of a city', parametersJsonSchema: TOOLS[0]!.function.parameters }] }],
      toolConfig: { functionCallingConfig: { mode: 'AUTO' } },
    });
  });

  it('builds Vertex AI paths and refuses a tool result naming no earlier call', () => {
    const v = ok(translate({ kind: 'vertex-gemini', vertex: { project: 'p', region: 'europe-west4' } }, { ...CONVERSATION, stream: false }, 'gemini-2.5-pro'));
    expect(v.path).toBe('/v1/projects/p/locations/europe-west4/publishers/google/models/gemini-2.5-pro:generateContent');
    const orphan = translate({ kind: 'gemini' }, { model: 'g', messages: [{ role: 'tool', tool_call_id: 'nope', content: 'x' }] });
    expect(orphan.ok).toBe(false);
    if (!orphan.ok) expect(JSON.parse(orphan.body).error.param).toBe('messages[0].tool_call_id');
  });
});

describe('OpenAI Chat → Azure OpenAI', () => {
  it('moves the model to the deployment path with the api-version, body unchanged', () => {
    const req = ok(translate({ kind: 'azure-openai', apiVersion: '2025-01-01-preview' }, CONVERSATION, 'gpt-4o-prod'));
    expect(req.path).toBe('/openai/deployments/gpt-4o-prod/chat/completions?api-version=2025-01-01-preview');
    expect(bodyOf(req)).toEqual(CONVERSATION);
  });
});
