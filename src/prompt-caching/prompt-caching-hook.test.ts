import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { promptCachingSchema } from '../config/prompt-caching-schema.js';
import { configSchema } from '../config/schema.js';
import { cacheHintsFor, dialectFor } from './prompt-caching-hook.js';

const auto = promptCachingSchema.parse({ mode: 'auto' });
const logger = pino({ level: 'silent' });
const gen = (rules: unknown[]) => configSchema.parse({ rules });
const input = (apiId: string, body: string) => ({ apiId, body: Buffer.from(body), headers: {}, project: undefined, traceId: undefined });

describe('dialectFor', () => {
  it('override first, then backend schema, then the client API', () => {
    expect(dialectFor({ ...auto, provider: 'xai' }, 'OpenAI', 'openai.chat_completions')).toBe('xai');
    expect(dialectFor(auto, 'AWSBedrock', 'anthropic.messages')).toBe('bedrock');
    expect(dialectFor(auto, 'GCPAnthropic', 'vertex_ai.anthropic_messages')).toBe('anthropic');
    expect(dialectFor(auto, 'GCPGemini', 'gemini.generate_content')).toBeUndefined();
    expect(dialectFor(auto, undefined, 'openai.responses')).toBe('openai');
    expect(dialectFor(auto, undefined, 'anthropic.messages')).toBe('anthropic');
    expect(dialectFor(auto, undefined, 'gemini.generate_content')).toBeUndefined();
  });
});

describe('cacheHintsFor', () => {
  const body = '{"messages":[]}';
  it('uses the single backend’s config over the rule’s', () => {
    const g = gen([
      {
        name: 'r',
        promptCaching: { mode: 'auto', key: { from: 'static', value: 'rule' } },
        backends: [{ name: 'b', promptCaching: { mode: 'auto', key: { from: 'static', value: 'backend' } } }],
      },
    ]);
    expect(cacheHintsFor(g, 'r', input('openai.chat_completions', body), logger)?.body?.toString()).toBe('{"prompt_cache_key":"backend","messages":[]}');
  });
  it('uses the rule’s config with several backends; nothing for unknown rules or mode off', () => {
    const g = gen([
      { name: 'r', promptCaching: { mode: 'auto', key: { from: 'static', value: 'rule' } }, backends: [{ name: 'a' }, { name: 'b' }] },
      { name: 'off', promptCaching: { mode: 'off', key: { from: 'static', value: 'x' } } },
    ]);
    expect(cacheHintsFor(g, 'r', input('openai.chat_completions', body), logger)?.body?.toString()).toBe('{"prompt_cache_key":"rule","messages":[]}');
    expect(cacheHintsFor(g, 'off', input('openai.chat_completions', body), logger)).toBeUndefined();
    expect(cacheHintsFor(g, 'nope', input('openai.chat_completions', body), logger)).toBeUndefined();
  });
  it('config rejects a static key without value and a value with another source', () => {
    expect(() => promptCachingSchema.parse({ mode: 'auto', key: { from: 'static' } })).toThrow(/needs a value/);
    expect(() => promptCachingSchema.parse({ mode: 'auto', key: { from: 'trace', value: 'x' } })).toThrow(/only with from: static/);
  });
});
