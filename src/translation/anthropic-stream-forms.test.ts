import { describe, expect, it } from 'vitest';
import { providerFixture, providerJson } from '../../test/support/provider-fixtures.js';
import { messageToStream, streamToMessage } from './anthropic-stream-forms.js';
import { sseEvents } from './form-conversion.js';

const body = (c: { body?: Buffer; refused?: string }) => {
  expect(c.refused).toBeUndefined();
  return c.body!;
};
const json = (b: Buffer) => JSON.parse(b.toString()) as Record<string, unknown>;

const MESSAGE = {
  id: 'msg_1',
  type: 'message',
  role: 'assistant',
  model: 'claude-sonnet-4-20250514',
  content: [
    { type: 'thinking', thinking: 'Look it up.', signature: 'sig==' },
    { type: 'redacted_thinking', data: 'opaque' },
    { type: 'text', text: 'Paris is sunny — "quoted" ☀.', citations: [{ type: 'char_location', cited_text: 'sunny', document_index: 0, start_char_index: 0, end_char_index: 5 }] },
    { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { location: 'Paris', days: [1, 2] } },
  ],
  stop_reason: 'tool_use',
  stop_sequence: null,
  usage: { input_tokens: 12, cache_creation_input_tokens: 1024, cache_read_input_tokens: 2048, output_tokens: 256, service_tier: 'standard' },
};

describe('messageToStream', () => {
  it('writes the events Anthropic sends, in order, with cumulative usage in message_delta', () => {
    const events = sseEvents(body(messageToStream(Buffer.from(JSON.stringify(MESSAGE)))));
    expect(events.map((e) => e.event)).toEqual([
      'message_start',
      ...['content_block_start', 'content_block_delta', 'content_block_delta', 'content_block_stop'],
      ...['content_block_start', 'content_block_stop'],
      ...['content_block_start', 'content_block_delta', 'content_block_delta', 'content_block_stop'],
      ...['content_block_start', 'content_block_delta', 'content_block_stop'],
      'message_delta',
      'message_stop',
    ]);
    for (const e of events) expect((JSON.parse(e.data) as { type: string }).type).toBe(e.event);
    const start = JSON.parse(events[0]!.data) as { message: Record<string, unknown> };
    expect(start.message).toEqual({ ...MESSAGE, content: [], stop_reason: null, stop_sequence: null, usage: { ...MESSAGE.usage, output_tokens: 0 } });
    expect(JSON.parse(events.at(-2)!.data)).toEqual({
      type: 'message_delta',
      delta: { stop_reason: 'tool_use', stop_sequence: null },
      usage: { output_tokens: 256, input_tokens: 12, cache_creation_input_tokens: 1024, cache_read_input_tokens: 2048 },
    });
  });

  it('round-trips a message exactly, every kind of block included', () => {
    for (const message of [MESSAGE, providerJson('anthropic-message.json')]) {
      const stream = body(messageToStream(Buffer.from(JSON.stringify(message))));
      expect(json(body(streamToMessage(stream)))).toEqual(message);
    }
  });

  it('refuses what is not a message, or a message without usage', () => {
    expect(messageToStream(Buffer.from('{"type":"error","error":{}}')).refused).toBeDefined();
    expect(messageToStream(Buffer.from(JSON.stringify({ ...MESSAGE, usage: undefined }))).refused).toBeDefined();
    expect(messageToStream(Buffer.from(JSON.stringify({ ...MESSAGE, content: ['text'] }))).refused).toBeDefined();
    expect(messageToStream(Buffer.from('not json')).refused).toBeDefined();
  });
});

describe('streamToMessage', () => {
  it('assembles a recorded stream: thinking, tool input parsed, usage and stop reason from message_delta', () => {
    const message = json(body(streamToMessage(providerFixture('anthropic-message-stream-tools.txt'))));
    expect(message).toMatchObject({
      id: 'msg_01Tools9kP',
      content: [
        { type: 'thinking', thinking: 'I should look up the weather.' },
        { type: 'tool_use', id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', name: 'get_weather', input: { location: 'Paris' } },
      ],
      stop_reason: 'tool_use',
      usage: { input_tokens: 40, cache_creation_input_tokens: 300, cache_read_input_tokens: 0, output_tokens: 90 },
    });
    // The assembled message streams back to the same message.
    expect(json(body(streamToMessage(body(messageToStream(Buffer.from(JSON.stringify(message)))))))).toEqual(message);
  });

  it('assembles the recorded text stream', () => {
    const message = json(body(streamToMessage(providerFixture('anthropic-message-stream.txt'))));
    expect(message['type']).toBe('message');
    expect((message['content'] as Array<{ type: string; text: string }>)[0]!.text.length).toBeGreaterThan(0);
  });

  it('refuses an error event, an unknown delta, a stream without message_stop', () => {
    const start = 'event: message_start\ndata: {"type":"message_start","message":{"id":"m","type":"message","role":"assistant","content":[],"model":"c","usage":{"input_tokens":1,"output_tokens":0}}}\n\n';
    const block = 'event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}\n\n';
    const stop = 'event: message_stop\ndata: {"type":"message_stop"}\n\n';
    const cases: Array<[string, string]> = [
      ['error', `${start}event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"busy"}}\n\n`],
      ['unknown delta', `${start}${block}event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"future_delta","x":1}}\n\n${stop}`],
      ['no message_stop', `${start}${block}`],
      ['delta without block', `${start}event: content_block_delta\ndata: {"type":"content_block_delta","index":3,"delta":{"type":"text_delta","text":"a"}}\n\n${stop}`],
      ['bad tool input', `${start}event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"t","name":"n","input":{}}}\n\nevent: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"{\\"a\\":"}}\n\nevent: content_block_stop\ndata: {"type":"content_block_stop","index":0}\n\n${stop}`],
    ];
    for (const [name, text] of cases) expect(streamToMessage(Buffer.from(text)).refused, name).toBeDefined();
  });
});
