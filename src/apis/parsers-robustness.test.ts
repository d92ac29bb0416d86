/**
 * No response parser may throw, whatever bytes arrive in whatever chunks.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ALL_APIS } from './registry.js';

const CONTENT_TYPES = ['application/json', 'text/event-stream', 'application/vnd.amazon.eventstream', 'text/html', 'audio/mpeg', ''];

const chunkOf = fc.oneof(
  fc.uint8Array({ maxLength: 64 }),
  fc.constantFrom('data: {"usage":{', 'data: [DONE]\n\n', '{"usage":', '[{"usageMetadata":', '\r\n\r\n', 'event: message_start\n', '"}]}', '\\').map((s) => Buffer.from(s)),
);

describe('response parsers on arbitrary input', () => {
  it.each(ALL_APIS.map((a) => [a.id, a] as const))('%s never throws', (_id, api) => {
    fc.assert(
      fc.property(fc.constantFrom(...CONTENT_TYPES), fc.boolean(), fc.array(chunkOf, { maxLength: 20 }), (contentType, stream, chunks) => {
        const p = api.newResponseParser({ stream, contentType });
        for (const c of chunks) {
          p.push(c);
          void p.outputTokensSoFar;
        }
        const info = p.end();
        expect(typeof info.usage).toBe('object');
      }),
      { numRuns: 150 },
    );
  });
});

describe('request body readers on arbitrary input', () => {
  it.each(ALL_APIS.map((a) => [a.id, a] as const))('%s answers facts or a 400', (_id, api) => {
    const body = fc.oneof(
      fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)),
      fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v))),
      fc.string().map((s) => Buffer.from(`--b\r\nContent-Disposition: form-data; name="model"\r\n\r\n${s}`)),
    );
    fc.assert(
      fc.property(body, fc.constantFrom('application/json', 'multipart/form-data; boundary=b', undefined), fc.boolean(), (b, ct, partial) => {
        try {
          const facts = api.parseRequestBody(b, ct, { partial });
          if (facts.model !== undefined) expect(typeof facts.model).toBe('string');
        } catch (err) {
          expect(err).toMatchObject({ name: 'UserFacingError', status: 400 });
        }
      }),
      { numRuns: 150 },
    );
  });
});
