/**
 * An Anthropic Messages response in its other form: a whole message written as the stream of
 * events Anthropic sends for it, and a stream of events assembled into the whole message. Event
 * order and deltas follow Anthropic's streaming documentation
 * (https://docs.anthropic.com/en/docs/build-with-claude/streaming): `message_start` (the message
 * without content), per content block `content_block_start` / `content_block_delta` /
 * `content_block_stop`, `message_delta` (stop reason and cumulative usage), `message_stop`.
 *
 * Text (with its citations), tool inputs (`tool_use`, `server_tool_use`) and thinking (with its
 * signature) are streamed as deltas; other blocks (`redacted_thinking`, server tool results) are
 * sent whole in their `content_block_start`, as Anthropic does. Assembling refuses a stream with
 * an error event, a delta of a kind not listed here, or no `message_stop`.
 */
import { asObject, parseJson } from '../apis/json-fields.js';
import { type FormConversion, jsonBody, refused, sseEvents } from './form-conversion.js';
import { anthropicEvent } from './openai-to-anthropic.js';

/** Usage counts `message_delta` carries, cumulative for the whole message. */
const DELTA_USAGE = ['input_tokens', 'cache_creation_input_tokens', 'cache_read_input_tokens', 'server_tool_use', 'output_tokens_details'];

/** Block types whose input JSON is streamed in `input_json_delta`s. */
const TOOL_INPUT_BLOCKS: ReadonlySet<string> = new Set(['tool_use', 'server_tool_use']);

/** The events of one content block at `index`. */
function blockEvents(block: Record<string, unknown>, index: number, out: string[]): void {
  const start = (content_block: Record<string, unknown>) => out.push(anthropicEvent('content_block_start', { type: 'content_block_start', index, content_block }));
  const delta = (d: Record<string, unknown>) => out.push(anthropicEvent('content_block_delta', { type: 'content_block_delta', index, delta: d }));
  const type = block['type'];
  if (type === 'text' && typeof block['text'] === 'string') {
    const citations = Array.isArray(block['citations']) ? block['citations'] : undefined;
    start({ ...block, text: '', ...(citations ? { citations: [] } : {}) });
    if (block['text'] !== '') delta({ type: 'text_delta', text: block['text'] });
    for (const citation of citations ?? []) delta({ type: 'citations_delta', citation });
  } else if (typeof type === 'string' && TOOL_INPUT_BLOCKS.has(type)) {
    start({ ...block, input: {} });
    delta({ type: 'input_json_delta', partial_json: JSON.stringify(block['input'] ?? {}) });
  } else if (type === 'thinking' && typeof block['thinking'] === 'string') {
    start({ ...block, thinking: '', signature: '' });
    if (block['thinking'] !== '') delta({ type: 'thinking_delta', thinking: block['thinking'] });
    if (typeof block['signature'] === 'string' && block['signature'] !== '') delta({ type: 'signature_delta', signature: block['signature'] });
  } else {
    start(block);
  }
  out.push(anthropicEvent('content_block_stop', { type: 'content_block_stop', index }));
}

/** The event stream of the whole message in `body`. */
export function messageToStream(body: Buffer): FormConversion {
  const msg = asObject(parseJson(body.toString('utf8')));
  if (msg === undefined || msg['type'] !== 'message' || !Array.isArray(msg['content'])) return refused('not a message');
  const usage = asObject(msg['usage']);
  if (usage === undefined) return refused('a message without usage');
  const out: string[] = [];
  const { content, stop_reason, stop_sequence, stop_details, container, ...rest } = msg;
  out.push(anthropicEvent('message_start', { type: 'message_start', message: { ...rest, content: [], stop_reason: null, stop_sequence: null, usage: { ...usage, output_tokens: 0 } } }));
  for (const [index, raw] of (content as unknown[]).entries()) {
    const block = asObject(raw);
    if (block === undefined) return refused('a content block that is not an object');
    blockEvents(block, index, out);
  }
  const deltaUsage: Record<string, unknown> = { output_tokens: usage['output_tokens'] ?? 0 };
  for (const k of DELTA_USAGE) if (usage[k] !== undefined && usage[k] !== null) deltaUsage[k] = usage[k];
  const delta = { stop_reason: stop_reason ?? null, stop_sequence: stop_sequence ?? null, ...(stop_details !== undefined ? { stop_details } : {}), ...(container !== undefined && container !== null ? { container } : {}) };
  out.push(anthropicEvent('message_delta', { type: 'message_delta', delta, usage: deltaUsage }));
  out.push(anthropicEvent('message_stop', { type: 'message_stop' }));
  return { body: Buffer.from(out.join(''), 'utf8') };
}

/** One content block being assembled, and the tool input JSON streamed for it so far. */
interface BlockParts {
  block: Record<string, unknown>;
  inputJson?: string;
}

/** Applies one content block delta; the reason when it cannot. */
function applyDelta(parts: BlockParts | undefined, delta: Record<string, unknown> | undefined): string | undefined {
  if (parts === undefined || delta === undefined) return 'a delta of a block that never started';
  const b = parts.block;
  switch (delta['type']) {
    case 'text_delta':
      b['text'] = String(b['text'] ?? '') + String(delta['text'] ?? '');
      return undefined;
    case 'citations_delta':
      b['citations'] = [...(Array.isArray(b['citations']) ? b['citations'] : []), delta['citation']];
      return undefined;
    case 'input_json_delta':
      parts.inputJson = (parts.inputJson ?? '') + String(delta['partial_json'] ?? '');
      return undefined;
    case 'thinking_delta':
      b['thinking'] = String(b['thinking'] ?? '') + String(delta['thinking'] ?? '');
      return undefined;
    case 'signature_delta':
      b['signature'] = delta['signature'];
      return undefined;
    default:
      return `a ${JSON.stringify(delta['type'])} delta`;
  }
}

/** The whole message of the event stream `sse`. */
export function streamToMessage(sse: Buffer): FormConversion {
  let message: Record<string, unknown> | undefined;
  const blocks: BlockParts[] = [];
  let stopped = false;
  for (const e of sseEvents(sse)) {
    const ev = asObject(parseJson(e.data));
    if (ev === undefined) return refused('an event that is not JSON');
    const index = typeof ev['index'] === 'number' ? ev['index'] : -1;
    switch (ev['type']) {
      case 'message_start': {
        const start = asObject(ev['message']);
        if (start === undefined || message !== undefined) return refused('a second or empty message_start');
        message = { ...start, usage: { ...asObject(start['usage']) } };
        break;
      }
      case 'content_block_start': {
        const block = asObject(ev['content_block']);
        if (block === undefined || index < 0) return refused('a content block without its index');
        blocks[index] = { block: { ...block } };
        break;
      }
      case 'content_block_delta': {
        const why = applyDelta(blocks[index], asObject(ev['delta']));
        if (why !== undefined) return refused(why);
        break;
      }
      case 'content_block_stop': {
        const parts = blocks[index];
        if (parts?.inputJson === undefined) break;
        const input = parts.inputJson === '' ? {} : parseJson(parts.inputJson);
        if (input === undefined) return refused('tool input that is not JSON');
        parts.block['input'] = input;
        break;
      }
      case 'message_delta': {
        if (message === undefined) return refused('message_delta before message_start');
        const delta = asObject(ev['delta']) ?? {};
        for (const k of ['stop_reason', 'stop_sequence', 'stop_details', 'container']) if (delta[k] !== undefined) message[k] = delta[k];
        const usage = message['usage'] as Record<string, unknown>;
        for (const [k, v] of Object.entries(asObject(ev['usage']) ?? {})) if (v !== null && v !== undefined) usage[k] = v;
        break;
      }
      case 'message_stop':
        stopped = true;
        break;
      case 'error':
        return refused('an error in the stream');
      default:
        break;
    }
  }
  if (message === undefined || !stopped) return refused('a stream without message_start and message_stop');
  message['content'] = blocks.filter((p) => p !== undefined).map((p) => p.block);
  return jsonBody(message);
}
