import { describe, expect, it } from 'vitest';
import { errorOf } from '../../test/support/user-facing-error.js';
import { multipartBoundary, readMultipartFields } from './multipart.js';
import { openAiAudioTranscriptions, openAiAudioTranslations } from './openai-audio.js';

const NAMES = new Set(['model', 'stream']);

/** Encodes a FormData the way Node's fetch (undici) sends it. */
async function encode(form: FormData): Promise<{ body: Buffer; contentType: string }> {
  const res = new Response(form);
  return { body: Buffer.from(await res.arrayBuffer()), contentType: res.headers.get('content-type')! };
}

function part(boundary: string, headers: string, value: string): string {
  return `--${boundary}\r\n${headers}\r\n\r\n${value}\r\n`;
}

describe('multipartBoundary', () => {
  it('reads plain and quoted boundaries', () => {
    expect(multipartBoundary('multipart/form-data; boundary=abc123')).toBe('abc123');
    expect(multipartBoundary('Multipart/Form-Data;boundary="a b;c"')).toBe('a b;c');
    expect(multipartBoundary('multipart/form-data; charset=utf-8; boundary=x')).toBe('x');
  });

  it('rejects other types and bad boundaries', () => {
    expect(multipartBoundary('application/json')).toBeUndefined();
    expect(multipartBoundary('multipart/mixed; boundary=x')).toBeUndefined();
    expect(multipartBoundary('multipart/form-data')).toBeUndefined();
    expect(multipartBoundary(`multipart/form-data; boundary=${'x'.repeat(71)}`)).toBeUndefined();
    expect(multipartBoundary(undefined)).toBeUndefined();
  });
});

describe('readMultipartFields', () => {
  it('reads fields of a form encoded by fetch, whatever the file holds', async () => {
    const form = new FormData();
    const audio = Buffer.from('RIFF\r\n--not-a-boundary\r\nname="model"\r\n\r\n\x00\xff');
    form.append('file', new Blob([audio]), 'speech.wav');
    form.append('model', 'gpt-4o-transcribe');
    form.append('stream', 'true');
    const { body, contentType } = await encode(form);
    expect(Object.fromEntries(readMultipartFields(body, contentType, NAMES))).toEqual({ model: 'gpt-4o-transcribe', stream: 'true' });
    expect(openAiAudioTranscriptions.parseRequestBody(body, contentType)).toEqual({ model: 'gpt-4o-transcribe', stream: true });
  });

  it('reads UTF-8 values, preambles and parts without headers', () => {
    const b = 'BoUnDaRy';
    const body = Buffer.from(
      `preamble text\r\n${part(b, 'Content-Disposition: form-data; name="model"', 'modèle-1')}--${b}\r\n\r\nheaderless\r\n--${b}--\r\nepilogue`,
    );
    expect(readMultipartFields(body, `multipart/form-data; boundary=${b}`, NAMES).get('model')).toBe('modèle-1');
  });

  it('does not take filename= for name=', () => {
    const b = 'b1';
    const body = Buffer.from(
      `${part(b, 'Content-Disposition: form-data; filename="model"; name="file"', 'x')}${part(b, 'content-disposition: form-data; name=model', 'whisper-1')}--${b}--`,
    );
    expect(Object.fromEntries(readMultipartFields(body, 'multipart/form-data; boundary=b1', NAMES))).toEqual({ model: 'whisper-1' });
  });

  it('rejects a repeated requested field', () => {
    const b = 'b2';
    const body = Buffer.from(
      `${part(b, 'Content-Disposition: form-data; name="model"', 'cheap')}${part(b, 'Content-Disposition: form-data; name="model"', 'expensive')}--${b}--`,
    );
    const err = errorOf(() => readMultipartFields(body, 'multipart/form-data; boundary=b2', NAMES));
    expect([err.status, err.code, err.param]).toEqual([400, 'invalid_multipart', 'model']);
  });

  it('rejects malformed bodies', () => {
    const ct = 'multipart/form-data; boundary=b3';
    for (const body of [
      'no delimiter at all',
      '--b3\r\nContent-Disposition: form-data; name="model"\r\n\r\nm', // never closed
      '--b3\r\nContent-Disposition: form-data; name="model"', // headers never end
      '--b3 junk\r\n',
    ]) {
      expect(errorOf(() => readMultipartFields(Buffer.from(body), ct, NAMES)).code).toBe('invalid_multipart');
    }
    expect(errorOf(() => readMultipartFields(Buffer.from('{}'), 'application/json', NAMES)).code).toBe('invalid_multipart');
  });

  it('reads the complete parts of a partial body', () => {
    const b = 'b4';
    const body = Buffer.from(`${part(b, 'Content-Disposition: form-data; name="model"', 'whisper-1')}--${b}\r\nContent-Disposition: form-data; name="file"\r\n\r\nRIFF....`);
    expect(readMultipartFields(body, 'multipart/form-data; boundary=b4', NAMES, { partial: true }).get('model')).toBe('whisper-1');
    expect(readMultipartFields(body.subarray(0, 20), 'multipart/form-data; boundary=b4', NAMES, { partial: true }).size).toBe(0);
  });

  it('makes the audio APIs answer missing_model without a model field', async () => {
    const form = new FormData();
    form.append('file', new Blob([Buffer.from('x')]), 'a.wav');
    const { body, contentType } = await encode(form);
    const err = errorOf(() => openAiAudioTranslations.parseRequestBody(body, contentType));
    expect([err.status, err.code]).toEqual([400, 'missing_model']);
    expect(openAiAudioTranslations.parseRequestBody(body, contentType, { partial: true })).toEqual({ stream: false });
  });
});
