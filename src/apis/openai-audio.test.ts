import { describe, expect, it } from 'vitest';
import { feedChunked } from '../../test/support/chunking.js';
import { openAiAudioSpeech, openAiAudioTranscriptions } from './openai-audio.js';

describe('OpenAI audio', () => {
  it('reads speech model and SSE stream format from the body', () => {
    expect(openAiAudioSpeech.parseRequestBody(Buffer.from('{"model":"gpt-4o-mini-tts","input":"hi","voice":"alloy","stream_format":"sse"}'), 'application/json')).toMatchObject({
      model: 'gpt-4o-mini-tts',
      stream: true,
    });
    expect(openAiAudioSpeech.parseRequestBody(Buffer.from('{"model":"tts-1","input":"hi","voice":"alloy"}'), 'application/json').stream).toBe(false);
  });

  it('does not buffer audio bytes, but reads JSON errors', () => {
    const audio = Buffer.alloc(10_000, 0xff);
    expect(feedChunked(openAiAudioSpeech.newResponseParser({ stream: false, contentType: 'audio/mpeg' }), audio, 1, 4096)).toEqual({ usage: {} });
    const err = '{"error":{"message":"bad voice","type":"invalid_request_error","param":"voice","code":null}}';
    expect(feedChunked(openAiAudioSpeech.newResponseParser({ stream: false, contentType: 'application/json' }), err, 1).errorType).toBe('invalid_request_error');
  });

  it('reads token usage of transcriptions, JSON or streamed', () => {
    const json = '{"text":"hello","usage":{"type":"tokens","input_tokens":14,"input_token_details":{"text_tokens":0,"audio_tokens":14},"output_tokens":45,"total_tokens":59}}';
    expect(feedChunked(openAiAudioTranscriptions.newResponseParser({ stream: false, contentType: 'application/json' }), json, 3)).toEqual({
      usage: { input: 14, output: 45, total: 59 },
    });
    const sse =
      'data: {"type":"transcript.text.delta","delta":"hel"}\n\n' +
      'data: {"type":"transcript.text.done","text":"hello","usage":{"type":"tokens","input_tokens":14,"output_tokens":4,"total_tokens":18}}\n\n';
    expect(feedChunked(openAiAudioTranscriptions.newResponseParser({ stream: true, contentType: 'text/event-stream' }), sse, 5)).toEqual({
      usage: { input: 14, output: 4, total: 18 },
    });
  });

  it('reads billed seconds and ignores text formats', () => {
    expect(feedChunked(openAiAudioTranscriptions.newResponseParser({ stream: false, contentType: 'application/json' }), '{"text":"x","usage":{"type":"duration","seconds":3}}', 1)).toEqual({
      usage: {},
      audioDurationSeconds: 3,
    });
    expect(feedChunked(openAiAudioTranscriptions.newResponseParser({ stream: false, contentType: 'text/plain' }), 'hello world', 1)).toEqual({ usage: {} });
  });

  it('reads usage of streamed speech', () => {
    const sse = 'data: {"type":"speech.audio.delta","audio":"AAAA"}\n\ndata: {"type":"speech.audio.done","usage":{"input_tokens":12,"output_tokens":340,"total_tokens":352}}\n\n';
    expect(feedChunked(openAiAudioSpeech.newResponseParser({ stream: true, contentType: 'text/event-stream' }), sse, 2).usage).toEqual({ input: 12, output: 340, total: 352 });
  });
});
