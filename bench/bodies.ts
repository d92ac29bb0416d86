/**
 * The traffic the benchmarks send: chat request bodies of a given size, a 1 KB non-streaming
 * chat response carrying usage, and an OpenAI chat SSE stream ending with a usage chunk. All
 * deterministic, so every run and both servers see the same bytes.
 */

/** 1 KB, 100 KB, 1 MB, 10 MB as used in scenario names (binary multiples). */
export const KB = 1024;
/** One mebibyte. */
export const MB = 1024 * 1024;

/** The model every request names (routed by the embedded default config's `gpt-` rule). */
export const MODEL = 'gpt-4o-mini';

const WORDS = ['the', 'model', 'routes', 'each', 'request', 'to', 'a', 'backend', 'while', 'tokens', 'stream', 'back', 'through', 'envoy', 'and', 'usage', 'is', 'counted', 'per', 'tenant'];

/**
 * Document-like prompt text of exactly `length` characters: lower-case words and spaces, with a
 * paragraph break (`\n\n`, written `\\n\\n` in the JSON) about every 500 characters.
 */
export function proseText(length: number): string {
  const parts: string[] = [];
  let size = 0;
  let sinceBreak = 0;
  let i = 0;
  while (size < length) {
    let piece = WORDS[(i * 7 + (i >> 3)) % WORDS.length]! + ' ';
    if (sinceBreak >= 500) {
      piece = '\n\n';
      sinceBreak = 0;
    }
    parts.push(piece);
    size += piece.length;
    sinceBreak += piece.length;
    i++;
  }
  return parts.join('').slice(0, length);
}

/** Body shapes for model-extraction measurements. */
export type BodyShape = 'prose' | 'image' | 'conversation';

/**
 * A Chat Completions request body of exactly `size` bytes (UTF-8), naming {@link MODEL} after the
 * messages (so a scanner must cross the whole body). Shapes:
 * - `prose`: one user message holding a long document ({@link proseText});
 * - `image`: a short question plus a base64 image data URL (no escapes at all);
 * - `conversation`: many short user/assistant turns with code (quotes, newlines, escapes everywhere).
 */
export function chatRequestBody(size: number, opts: { shape?: BodyShape; stream?: boolean } = {}): Buffer {
  const shape = opts.shape ?? 'prose';
  const head = { messages: [] as unknown[] };
  const tail = opts.stream ? { model: MODEL, stream: true, stream_options: { include_usage: true } } : { model: MODEL, max_tokens: 256 };
  const build = (fill: number): string => {
    const messages: unknown[] = [{ role: 'system', content: 'You are a helpful assistant.' }];
    if (shape === 'prose') {
      messages.push({ role: 'user', content: proseText(fill) });
    } else if (shape === 'image') {
      messages.push({
        role: 'user',
        content: [
          { type: 'text', text: 'What is in this image?' },
          { type: 'image_url', image_url: { url: `data:image/png;base64,${base64Text(fill)}` } },
        ],
      });
    } else {
      const turn = 'Here is the function:\n```ts\nconst x = "value";\nif (x) { return {"a": 1}; }\n```\nWhy does it fail?';
      let used = 0;
      let k = 0;
      while (used < fill) {
        const content = turn.slice(0, Math.min(turn.length, fill - used));
        messages.push({ role: k % 2 === 0 ? 'user' : 'assistant', content });
        used += content.length + 40;
        k++;
      }
    }
    return JSON.stringify({ ...head, messages, ...tail });
  };
  // Grow the filler until the body reaches `size`, then pad the system prompt to the exact size.
  let fill = Math.max(0, size - 200);
  let text = build(fill);
  while (Buffer.byteLength(text) > size && fill > 0) {
    fill = Math.max(0, fill - (Buffer.byteLength(text) - size) - 8);
    text = build(fill);
  }
  const missing = size - Buffer.byteLength(text);
  if (missing > 0) text = text.replace('You are a helpful assistant.', `You are a helpful assistant.${' '.repeat(missing)}`);
  return Buffer.from(text, 'utf8');
}

function base64Text(length: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const out = new Array<string>(length);
  for (let i = 0; i < length; i++) out[i] = alphabet[(i * 31 + (i >> 5)) & 63]!;
  return out.join('');
}

/** A non-streaming Chat Completions response of exactly `size` bytes (default 1 KB) with usage. */
export function chatResponseBody(size = KB): Buffer {
  const build = (content: string): string =>
    JSON.stringify({
      id: 'chatcmpl-bench0001',
      object: 'chat.completion',
      created: 1_700_000_000,
      model: 'gpt-4o-mini-2024-07-18',
      choices: [{ index: 0, message: { role: 'assistant', content, refusal: null }, logprobs: null, finish_reason: 'stop' }],
      usage: {
        prompt_tokens: 250,
        completion_tokens: 120,
        total_tokens: 370,
        prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
        completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
      },
      system_fingerprint: 'fp_bench',
    });
  const empty = Buffer.byteLength(build(''));
  return Buffer.from(build(proseText(Math.max(0, size - empty)).replace(/\n/g, ' ')), 'utf8');
}

/**
 * An OpenAI Chat Completions SSE stream of `chunks` body chunks, as a provider sends it with
 * `stream_options.include_usage`: every chunk carries `"usage":null`, the first the role, the
 * last content chunk `finish_reason`, and the final body chunk the usage chunk and `[DONE]`.
 * Returns one Buffer per body chunk.
 */
export function chatSseChunks(chunks: number): Buffer[] {
  const base = { id: 'chatcmpl-bench0001', object: 'chat.completion.chunk', created: 1_700_000_000, model: 'gpt-4o-mini-2024-07-18', system_fingerprint: 'fp_bench' };
  const event = (o: unknown): string => `data: ${JSON.stringify(o)}\n\n`;
  const out: Buffer[] = [];
  for (let i = 0; i < chunks - 1; i++) {
    const delta = i === 0 ? { role: 'assistant', content: '', refusal: null } : { content: ` ${WORDS[i % WORDS.length]}` };
    const finish = i === chunks - 2 ? 'stop' : null;
    out.push(Buffer.from(event({ ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], usage: null })));
  }
  const usage = {
    prompt_tokens: 250,
    completion_tokens: chunks - 2,
    total_tokens: 250 + chunks - 2,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  };
  out.push(Buffer.from(`${event({ ...base, choices: [], usage })}data: [DONE]\n\n`));
  return out;
}
