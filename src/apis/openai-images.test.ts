import { describe, expect, it } from 'vitest';
import { feedChunked } from '../../test/support/chunking.js';
import { openAiImageGenerations } from './openai-images.js';

describe('OpenAI image generation', () => {
  it('reads GPT image usage past large base64 data', () => {
    const body = JSON.stringify({
      created: 1713833628,
      data: [{ b64_json: 'A'.repeat(200_000) }],
      usage: { total_tokens: 100, input_tokens: 50, output_tokens: 50, input_tokens_details: { text_tokens: 10, image_tokens: 40 } },
    });
    expect(feedChunked(openAiImageGenerations.newResponseParser({ stream: false, contentType: 'application/json' }), body, 3, 8192)).toEqual({
      usage: { input: 50, output: 50, total: 100 },
    });
  });

  it('reads usage from image_generation.completed', () => {
    const sse =
      `event: image_generation.partial_image\ndata: {"type":"image_generation.partial_image","b64_json":"${'B'.repeat(5000)}","partial_image_index":0}\n\n` +
      'event: image_generation.completed\ndata: {"type":"image_generation.completed","b64_json":"CCCC","usage":{"total_tokens":4210,"input_tokens":50,"output_tokens":4160,"input_tokens_details":{"text_tokens":50,"image_tokens":0}}}\n\n';
    expect(feedChunked(openAiImageGenerations.newResponseParser({ stream: true, contentType: 'text/event-stream' }), sse, 7, 512)).toEqual({
      usage: { input: 50, output: 4160, total: 4210 },
    });
  });

  it('requires a model in the body', () => {
    expect(() => openAiImageGenerations.parseRequestBody(Buffer.from('{"prompt":"a cat"}'), 'application/json')).toThrow(/model/);
  });
});
