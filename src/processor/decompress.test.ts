import { describe, expect, it } from 'vitest';
import * as zlib from 'node:zlib';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { parse as parseYaml } from 'yaml';
import { createDecoder, isZlibHeader, zstdSupported, type ResponseDecoder } from './decompress.js';

const FIXTURES = new URL('../../../shared/fixtures/openai-recorded/', import.meta.url);

function fixtureBody(name: string): string {
  const doc = parseYaml(readFileSync(fileURLToPath(new URL(name, FIXTURES)), 'utf8')) as {
    interactions: Array<{ response: { body: string } }>;
  };
  return doc.interactions[0]!.response.body;
}

const SSE = [
  fixtureBody('chat-streaming-detailed-usage.yaml'),
  fixtureBody('completion-streaming-usage.yaml'),
  // A longer body, so compressed output spans many zlib output chunks.
  Array.from({ length: 400 }, (_, i) => `data: {"i":${i},"text":"${'héllo wörld '.repeat(i % 13)}"}\r\n\r\n`).join('') + 'data: [DONE]\r\n\r\n',
];

const ENCODERS: Record<string, (b: Buffer) => Buffer> = {
  gzip: (b) => zlib.gzipSync(b),
  'x-gzip': (b) => zlib.gzipSync(b),
  br: (b) => zlib.brotliCompressSync(b),
  deflate: (b) => zlib.deflateSync(b), // zlib-wrapped (RFC 1950)
  'deflate (raw)': (b) => zlib.deflateRawSync(b), // what some servers send for "deflate"
  'gzip, br': (b) => zlib.brotliCompressSync(zlib.gzipSync(b)),
};
const headerFor = (name: string): string => (name === 'deflate (raw)' ? 'deflate' : name);

/** Splits `buf` at the given fractional cut points. */
function split(buf: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => Math.floor(c * buf.length)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const p of points) {
    out.push(buf.subarray(prev, p));
    prev = p;
  }
  out.push(buf.subarray(prev));
  return out;
}

async function decodeAll(d: ResponseDecoder, chunks: Buffer[]): Promise<Buffer> {
  const out: Buffer[] = [];
  for (const c of chunks) out.push(await d.push(c));
  out.push(await d.end());
  return Buffer.concat(out);
}

describe('createDecoder', () => {
  for (const [name, encode] of Object.entries(ENCODERS)) {
    it(`decodes ${name} split into random chunks identically`, async () => {
      const cases = SSE.map((text) => {
        const original = Buffer.from(text, 'utf8');
        return { original, compressed: encode(original) };
      });
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...cases), fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 40 }), async ({ original, compressed }, cuts) => {
          const d = createDecoder(headerFor(name));
          const decoded = await decodeAll(d, split(compressed, cuts));
          expect(d.failed).toBe(false);
          expect(d.supported).toBe(true);
          expect(decoded.equals(original)).toBe(true);
        }),
        { numRuns: 60 },
      );
    });
  }

  it('decodes byte by byte', async () => {
    const original = Buffer.from(SSE[0]!, 'utf8');
    const compressed = zlib.deflateRawSync(original);
    const d = createDecoder('deflate');
    const decoded = await decodeAll(d, [...compressed].map((b) => Buffer.from([b])));
    expect(decoded.toString('utf8')).toBe(SSE[0]);
  });

  it('returns each event as soon as a flushing server sends it', async () => {
    const events = ['data: {"a":1}\n\n', 'data: {"b":2}\n\n', 'data: [DONE]\n\n'];
    const gzip = zlib.createGzip();
    const pieces: Buffer[] = [];
    gzip.on('data', (d: Buffer) => pieces.push(d));
    const d = createDecoder('gzip');
    for (const e of events) {
      gzip.write(e);
      await new Promise<void>((r) => gzip.flush(zlib.constants.Z_SYNC_FLUSH, () => r()));
      const wire = Buffer.concat(pieces.splice(0));
      expect((await d.push(wire)).toString()).toBe(e);
    }
    const ended = new Promise<void>((r) => gzip.once('end', () => r()));
    gzip.end();
    await ended;
    expect((await d.push(Buffer.concat(pieces))).length + (await d.end()).length).toBe(0);
    expect(d.failed).toBe(false);
  });

  it('keeps order when calls overlap', async () => {
    const original = Buffer.from(SSE[2]!, 'utf8');
    const chunks = split(zlib.brotliCompressSync(original), [0.1, 0.3, 0.5, 0.7, 0.9]);
    const d = createDecoder('br');
    const results = await Promise.all([...chunks.map((c) => d.push(c)), d.end()]);
    expect(Buffer.concat(results).equals(original)).toBe(true);
  });

  it('sets failed on corrupt input without throwing, keeping what decoded before', async () => {
    const original = Buffer.from(SSE[2]!, 'utf8');
    const good = zlib.gzipSync(original);
    const corrupt = Buffer.concat([good.subarray(0, 400), Buffer.alloc(400, 0xff)]);
    const d = createDecoder('gzip');
    const first = await d.push(corrupt.subarray(0, 400));
    const second = await d.push(corrupt.subarray(400));
    expect(d.failed).toBe(true);
    expect(original.toString('latin1').startsWith(Buffer.concat([first, second]).toString('latin1'))).toBe(true);
    expect((await d.push(good.subarray(800))).length).toBe(0);
    expect((await d.end()).length).toBe(0);
  });

  it.each(['gzip', 'br', 'deflate'])('sets failed for garbage labelled %s', async (enc) => {
    const d = createDecoder(enc);
    await d.push(Buffer.from('this is not compressed at all, just text\n\n'.repeat(10)));
    await d.end();
    expect(d.failed).toBe(true);
  });

  it('sets failed at end for a truncated body, returning the decoded part', async () => {
    const original = Buffer.from(SSE[2]!, 'utf8');
    const gz = zlib.gzipSync(original);
    const d = createDecoder('gzip');
    const out = Buffer.concat([await d.push(gz.subarray(0, gz.length - 10)), await d.end()]);
    expect(d.failed).toBe(true);
    expect(out.length).toBeGreaterThan(0);
    expect(original.subarray(0, out.length).equals(out)).toBe(true);
  });

  it('stops a compression bomb at the output cap, holding no more than the cap', async () => {
    // 1 MiB of gzip that expands to 1 GiB of zeros (gzip of a zero stream compresses ~1000:1).
    const piece = zlib.gzipSync(Buffer.alloc(64 * 1024 * 1024), { level: 9 });
    const bomb = Buffer.concat(Array.from({ length: 16 }, () => piece)); // 16 gzip members: 1 GiB decoded
    for (const encoding of ['gzip', 'gzip, identity']) {
      const d = createDecoder(encoding, 4 * 1024 * 1024);
      const before = process.memoryUsage().arrayBuffers;
      const out = await decodeAll(d, split(bomb, [0.5]));
      expect(d.overLimit).toBe(true);
      expect(d.failed).toBe(true);
      expect(out.length).toBeLessThanOrEqual(4 * 1024 * 1024);
      expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(256 * 1024 * 1024);
    }
    const br = createDecoder('br', 1000);
    await br.push(zlib.brotliCompressSync(Buffer.alloc(5000, 'a')));
    expect(br.overLimit).toBe(true);
    const ok = createDecoder('gzip', 1000);
    expect((await decodeAll(ok, [zlib.gzipSync(Buffer.alloc(1000, 'a'))])).length).toBe(1000);
    expect(ok.overLimit).toBe(false);
  });

  it('passes identity bodies through', async () => {
    for (const enc of [undefined, '', 'identity', ' IDENTITY ']) {
      const d = createDecoder(enc);
      expect(d.encoding).toBe('');
      const chunk = Buffer.from('data: x\n\n');
      expect(await d.push(chunk)).toBe(chunk);
      expect((await d.end()).length).toBe(0);
    }
  });

  it('passes unsupported encodings through and reports them', async () => {
    const d = createDecoder('compress');
    expect(d.supported).toBe(false);
    expect(d.encoding).toBe('compress');
    const chunk = Buffer.from([1, 2, 3]);
    expect(await d.push(chunk)).toBe(chunk);
    expect(createDecoder('gzip, snappy').supported).toBe(false);
  });

  it('normalises the encoding name', () => {
    expect(createDecoder('X-GZIP').encoding).toBe('gzip');
    expect(createDecoder('gzip, identity, br').encoding).toBe('gzip, br');
  });

  it('treats an empty compressed body as empty', async () => {
    const d = createDecoder('gzip');
    expect((await d.end()).length).toBe(0);
    expect(d.failed).toBe(false);
  });

  it('decodes zstd when this Node has it, else reports it unsupported', async () => {
    const d = createDecoder('zstd');
    expect(d.supported).toBe(zstdSupported());
    if (zstdSupported()) {
      const compress = (zlib as unknown as { zstdCompressSync: (b: Buffer) => Buffer }).zstdCompressSync;
      const original = Buffer.from(SSE[0]!, 'utf8');
      expect((await decodeAll(d, split(compress(original), [0.2, 0.6]))).equals(original)).toBe(true);
    } else {
      const chunk = Buffer.from([0x28, 0xb5, 0x2f, 0xfd]);
      expect(await d.push(chunk)).toBe(chunk);
    }
  });
});

describe('isZlibHeader', () => {
  it('recognises zlib headers and not raw deflate starts', () => {
    for (const level of [0, 1, 6, 9]) {
      const z = zlib.deflateSync(Buffer.from('hello'), { level });
      expect(isZlibHeader(z[0]!, z[1]!)).toBe(true);
    }
    const raw = zlib.deflateRawSync(Buffer.from(SSE[0]!));
    expect(isZlibHeader(raw[0]!, raw[1]!)).toBe(false);
  });
});
