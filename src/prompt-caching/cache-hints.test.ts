import { describe, expect, it } from 'vitest';
import { promptCachingSchema } from '../config/prompt-caching-schema.js';
import { applyCacheHints, type CacheDialect, type HintInput } from './cache-hints.js';
import { opaqueKey } from './cache-key.js';
import { prefixHash } from './stable-prefix.js';

const cfg = (extra: Record<string, unknown> = {}) => promptCachingSchema.parse({ mode: 'auto', ...extra });
const input = (apiId: string, body: string, more: Partial<HintInput> = {}): HintInput => ({
  apiId,
  body: Buffer.from(body),
  headers: {},
  project: undefined,
  traceId: undefined,
  ...more,
});
const run = (dialect: CacheDialect, i: HintInput, extra: Record<string, unknown> = {}) => applyCacheHints(cfg(extra), dialect, i);
const text = (b: Buffer | undefined) => b?.toString('utf8');
const long = 'x'.repeat(5000); // ≈1250 estimated tokens

describe('OpenAI', () => {
  const chat = '{"model":"gpt-4o","messages":[{"role":"system","content":"S"},{"role":"user","content":"hi"}]}';
  const key = `h-${prefixHash({ system: [{ role: 'system', content: 'S' }], tools: undefined, messages: [] }).slice(0, 32)}`;

  it('splices prompt_cache_key and retention in front; the rest of the bytes are the client’s', () => {
    const out = run('openai', input('openai.chat_completions', chat), { retention: '24h' });
    expect(text(out.body)).toBe(`{"prompt_cache_key":"${key}","prompt_cache_retention":"24h",${chat.slice(1)}`);
    expect(out.set).toEqual([]);
    expect(JSON.parse(text(out.body)!)).toMatchObject({ model: 'gpt-4o', prompt_cache_key: key });
  });

  it('leaves a prompt_cache_key the client set (and still adds a missing retention)', () => {
    const body = '{"prompt_cache_key":"mine","model":"gpt-4o","messages":[{"role":"system","content":"S"}]}';
    expect(run('openai', input('openai.chat_completions', body)).body).toBeUndefined();
    expect(text(run('openai', input('openai.chat_completions', body), { retention: 'in_memory' }).body)).toBe(`{"prompt_cache_retention":"in_memory",${body.slice(1)}`);
  });

  it('shares the key between requests with the same prefix, and not across prefixes', () => {
    const k = (b: string) => (JSON.parse(text(run('openai', input('openai.chat_completions', b)).body)!) as { prompt_cache_key: string }).prompt_cache_key;
    const a = k('{"messages":[{"role":"system","content":"S"},{"role":"user","content":"one"}]}');
    const b = k('{"messages":[{"role":"system","content":"S"},{"role":"user","content":"two"}],"temperature":1}');
    const c = k('{"messages":[{"role":"system","content":"T"},{"role":"user","content":"one"}]}');
    expect(a).toBe(b);
    expect(a).not.toBe(c);
  });

  it('counts the first N messages into the prefix when configured', () => {
    const k = (b: string) => (JSON.parse(text(run('openai', input('openai.chat_completions', b), { key: { from: 'prefix-hash', messages: 1 } }).body)!) as { prompt_cache_key: string }).prompt_cache_key;
    expect(k('{"messages":[{"role":"system","content":"S"},{"role":"user","content":"one"}]}')).not.toBe(k('{"messages":[{"role":"system","content":"S"},{"role":"user","content":"two"}]}'));
  });

  it('responses API: instructions are the system prompt; empty object bodies get no trailing comma', () => {
    const out = run('openai', input('openai.responses', '{"instructions":"I","input":"q"}'), { key: { from: 'static', value: 'k1' } });
    expect(text(out.body)).toBe('{"prompt_cache_key":"k1","instructions":"I","input":"q"}');
    expect(text(run('openai', input('openai.responses', ' {}'), { key: { from: 'static', value: 'k1' } }).body)).toBe(' {"prompt_cache_key":"k1"}');
  });

  it('project and trace keys are opaque digests, absent when the source is unknown', () => {
    const out = run('openai', input('openai.chat_completions', '{"messages":[]}', { project: 'acme' }), { key: { from: 'project' } });
    expect(text(out.body)).toBe(`{"prompt_cache_key":"p-${opaqueKey('project', 'acme')}","messages":[]}`);
    expect(text(out.body)).not.toContain('acme');
    expect(run('openai', input('openai.chat_completions', '{"messages":[]}'), { key: { from: 'trace' } }).body).toBeUndefined();
    expect(run('openai', input('openai.chat_completions', '{"messages":[]}'), { key: { from: 'prefix-hash' } }).body).toBeUndefined();
  });

  it('openai-compatible gets the key but never the OpenAI-only retention; other APIs are untouched', () => {
    const out = run('openai-compatible', input('openai.chat_completions', '{"messages":[]}'), { key: { from: 'static', value: 'k' }, retention: '24h' });
    expect(text(out.body)).toBe('{"prompt_cache_key":"k","messages":[]}');
    expect(run('openai', input('openai.embeddings', '{"input":"x"}'), { key: { from: 'static', value: 'k' } }).body).toBeUndefined();
  });

  it('mode off, non-JSON and non-object bodies: nothing', () => {
    expect(applyCacheHints(promptCachingSchema.parse({}), 'openai', input('openai.chat_completions', '{"messages":[]}'))).toEqual({ set: [] });
    expect(run('openai', input('openai.chat_completions', '{"messages":'), { key: { from: 'static', value: 'k' } })).toEqual({ set: [] });
    expect(run('openai', input('openai.chat_completions', '[1]'), { key: { from: 'static', value: 'k' } })).toEqual({ set: [] });
  });
});

describe('xAI and Fireworks', () => {
  const body = '{"messages":[{"role":"system","content":"S"}]}';
  it('xAI chat: x-grok-conv-id header, body untouched; a client header is kept', () => {
    const out = run('xai', input('openai.chat_completions', body), { key: { from: 'static', value: 'conv' } });
    expect(out).toEqual({ set: [['x-grok-conv-id', 'conv']] });
    expect(run('xai', input('openai.chat_completions', body, { headers: { 'x-grok-conv-id': 'c' } }), { key: { from: 'static', value: 'conv' } })).toEqual({ set: [] });
  });
  it('xAI responses: prompt_cache_key in the body', () => {
    expect(text(run('xai', input('openai.responses', '{"input":"q"}'), { key: { from: 'static', value: 'conv' } }).body)).toBe('{"prompt_cache_key":"conv","input":"q"}');
  });
  it('Fireworks: x-session-affinity and a per-project isolation key; client hints kept', () => {
    const out = run('fireworks', input('openai.chat_completions', body, { project: 'acme' }), { key: { from: 'static', value: 's' }, isolation: 'project' });
    expect(out).toEqual({ set: [['x-session-affinity', 's'], ['x-prompt-cache-isolation-key', `p-${opaqueKey('project', 'acme')}`]] });
    expect(out.body).toBeUndefined();
    const client = run('fireworks', input('openai.chat_completions', '{"user":"u","messages":[]}', { project: 'acme', headers: { 'x-prompt-cache-isolation-key': 'i' } }), { key: { from: 'static', value: 's' }, isolation: 'project' });
    expect(client).toEqual({ set: [] });
  });
});

describe('Anthropic', () => {
  it('marks the last tool and the string system prompt (converted to one text block)', () => {
    const body = JSON.stringify({ model: 'claude-x', tools: [{ name: 'a', description: long }, { name: 'b' }], system: 'S', messages: [{ role: 'user', content: 'hi' }] });
    const out = run('anthropic', input('anthropic.messages', body));
    expect(text(out.body)).toBe(
      JSON.stringify({
        model: 'claude-x',
        tools: [{ name: 'a', description: long }, { name: 'b', cache_control: { type: 'ephemeral' } }],
        system: [{ type: 'text', text: 'S', cache_control: { type: 'ephemeral' } }],
        messages: [{ role: 'user', content: 'hi' }],
      }),
    );
  });

  it('marks the last block of a system array', () => {
    const body = JSON.stringify({ system: [{ type: 'text', text: 'a' }, { type: 'text', text: long }], messages: [] });
    const out = JSON.parse(text(run('anthropic', input('anthropic.messages', body)).body)!) as { system: unknown[] };
    expect(out.system).toEqual([{ type: 'text', text: 'a' }, { type: 'text', text: long, cache_control: { type: 'ephemeral' } }]);
  });

  it('respects the breakpoint limit: with max 1 only the system prompt (whose prefix includes the tools) is marked', () => {
    const body = JSON.stringify({ tools: [{ name: 'a', description: long }], system: 'S', messages: [] });
    const out = JSON.parse(text(run('anthropic', input('anthropic.messages', body), { breakpoints: { max: 1 } }).body)!) as Record<string, unknown>;
    expect(out['tools']).toEqual([{ name: 'a', description: long }]);
    expect(out['system']).toEqual([{ type: 'text', text: 'S', cache_control: { type: 'ephemeral' } }]);
  });

  it('places no breakpoint below the minimum length, and none where the client placed one anywhere', () => {
    const short = JSON.stringify({ tools: [{ name: 'a' }], system: 'short', messages: [] });
    expect(run('anthropic', input('anthropic.messages', short))).toEqual({ set: [] });
    expect(text(run('anthropic', input('anthropic.messages', short), { minTokens: 0 }).body)).toContain('cache_control');
    const client = JSON.stringify({ system: long, messages: [{ role: 'user', content: [{ type: 'text', text: 'q', cache_control: { type: 'ephemeral' } }] }] });
    expect(run('anthropic', input('anthropic.messages', client))).toEqual({ set: [] });
  });

  it('honours breakpoints.system / tools switches', () => {
    const body = JSON.stringify({ tools: [{ name: 'a', description: long }], system: long, messages: [] });
    const out = JSON.parse(text(run('anthropic', input('anthropic.messages', body), { breakpoints: { system: false } }).body)!) as Record<string, unknown>;
    expect(out['system']).toBe(long);
    expect(out['tools']).toEqual([{ name: 'a', description: long, cache_control: { type: 'ephemeral' } }]);
  });
});

describe('Bedrock', () => {
  it('InvokeModel with a Claude body: cache_control as Anthropic', () => {
    const body = JSON.stringify({ anthropic_version: 'bedrock-2023-05-31', system: long, messages: [] });
    const out = JSON.parse(text(run('bedrock', input('bedrock.invoke', body)).body)!) as Record<string, unknown>;
    expect(out['system']).toEqual([{ type: 'text', text: long, cache_control: { type: 'ephemeral' } }]);
  });

  it('InvokeModel with another model’s body: untouched', () => {
    expect(run('bedrock', input('bedrock.invoke', JSON.stringify({ inputText: long })))).toEqual({ set: [] });
  });

  it('Converse: cachePoint blocks after the system blocks and after the tools', () => {
    const body = JSON.stringify({ system: [{ text: long }], toolConfig: { tools: [{ toolSpec: { name: 't' } }] }, messages: [{ role: 'user', content: [{ text: 'hi' }] }] });
    expect(text(run('bedrock', input('bedrock.converse', body), { minTokens: 0 }).body)).toBe(
      JSON.stringify({
        system: [{ text: long }, { cachePoint: { type: 'default' } }],
        toolConfig: { tools: [{ toolSpec: { name: 't' } }, { cachePoint: { type: 'default' } }] },
        messages: [{ role: 'user', content: [{ text: 'hi' }] }],
      }),
    );
  });

  it('Converse: a client cachePoint anywhere is left alone; short prefixes get none', () => {
    const client = JSON.stringify({ system: [{ text: long }], messages: [{ role: 'user', content: [{ text: 'hi' }, { cachePoint: { type: 'default' } }] }] });
    expect(run('bedrock', input('bedrock.converse', client))).toEqual({ set: [] });
    expect(run('bedrock', input('bedrock.converse', JSON.stringify({ system: [{ text: 'short' }], messages: [] })))).toEqual({ set: [] });
  });
});
