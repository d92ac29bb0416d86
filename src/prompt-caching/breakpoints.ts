/**
 * Cache breakpoints for APIs whose caching is explicit: Anthropic Messages (and Claude on Bedrock
 * InvokeModel) take `cache_control: {type: "ephemeral"}` on the last block of a cached prefix;
 * Bedrock Converse takes a `{cachePoint: {type: "default"}}` block after it. The prompt is read
 * in the order tools → system → messages, so a breakpoint on the system prompt also caches the
 * tools. A breakpoint is placed only when the prefix it closes reaches the minimum estimated
 * length (a shorter one is ignored by the provider yet still counts against its limit of 4),
 * and never when the client placed any marker itself.
 */
import { estimateTokens } from './stable-prefix.js';

/** Which breakpoints to place. */
export interface BreakpointOptions {
  readonly system: boolean;
  readonly tools: boolean;
  /** Most breakpoints to place (the provider allows 4 per request). */
  readonly max: number;
  /** Minimum estimated tokens (chars/4) of the prefix a breakpoint closes. */
  readonly minTokens: number;
}

function obj(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/** True when `key` appears as an object member anywhere in `v`. */
export function hasKeyDeep(v: unknown, key: string): boolean {
  const stack: unknown[] = [v];
  while (stack.length) {
    const x = stack.pop();
    if (Array.isArray(x)) stack.push(...x);
    else if (x !== null && typeof x === 'object') {
      if (Object.hasOwn(x, key)) return true;
      stack.push(...Object.values(x));
    }
  }
  return false;
}

/** The candidates that qualify, latest prefix first, cut to `max`. */
function choose(opts: BreakpointOptions, tools: unknown, system: unknown): Array<'tools' | 'system'> {
  const hasTools = Array.isArray(tools) && tools.length > 0 && obj(tools[tools.length - 1]) !== undefined;
  const hasSystem = (typeof system === 'string' && system.length > 0) || (Array.isArray(system) && system.length > 0 && obj(system[system.length - 1]) !== undefined);
  const picked: Array<'tools' | 'system'> = [];
  if (opts.system && hasSystem && estimateTokens(tools, system) >= opts.minTokens) picked.push('system');
  if (opts.tools && hasTools && estimateTokens(tools) >= opts.minTokens) picked.push('tools');
  return picked.slice(0, opts.max);
}

/**
 * Anthropic Messages body (parsed, changed in place): `cache_control` on the last tool and the last
 * system block. Returns true when it changed anything.
 */
export function addCacheControl(body: Record<string, unknown>, opts: BreakpointOptions): boolean {
  if (hasKeyDeep(body, 'cache_control')) return false;
  const picked = choose(opts, body['tools'], body['system']);
  const marker = () => ({ type: 'ephemeral' });
  for (const p of picked) {
    if (p === 'tools') {
      const tools = body['tools'] as unknown[];
      tools[tools.length - 1] = { ...obj(tools[tools.length - 1]), cache_control: marker() };
    } else if (typeof body['system'] === 'string') {
      body['system'] = [{ type: 'text', text: body['system'], cache_control: marker() }];
    } else {
      const system = body['system'] as unknown[];
      system[system.length - 1] = { ...obj(system[system.length - 1]), cache_control: marker() };
    }
  }
  return picked.length > 0;
}

/**
 * Bedrock Converse body (parsed, changed in place): a `cachePoint` block after the tools and
 * after the system blocks. Returns true when it changed anything.
 */
export function addCachePoints(body: Record<string, unknown>, opts: BreakpointOptions): boolean {
  if (hasKeyDeep(body, 'cachePoint')) return false;
  const toolConfig = obj(body['toolConfig']);
  const picked = choose(opts, toolConfig?.['tools'], Array.isArray(body['system']) ? body['system'] : undefined);
  for (const p of picked) {
    const target = p === 'tools' ? (toolConfig!['tools'] as unknown[]) : (body['system'] as unknown[]);
    target.push({ cachePoint: { type: 'default' } });
  }
  return picked.length > 0;
}
