import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { promptCachingSchema } from '../config/prompt-caching-schema.js';
import { configSchema } from '../config/schema.js';
import { fakeHookAttempt, fakeHookRequest } from '../testing/hook-contract.js';
import { attemptHints, CACHE_KEY_HEADER, hintsPerAttempt, sentDialect } from './attempt-hints.js';
import { promptCachingHook } from './prompt-caching-hook.js';

const logger = pino({ level: 'silent' });
const auto = promptCachingSchema.parse({ mode: 'auto', minTokens: 1 });
const config = configSchema.parse({
  rules: [
    { name: 'claude', promptCaching: { mode: 'auto', minTokens: 1, key: { from: 'static', value: 'k' } }, backends: [{ name: 'anthropic', schema: { name: 'Anthropic' } }] },
    {
      name: 'mixed',
      promptCaching: { mode: 'auto', minTokens: 1, key: { from: 'static', value: 'rule-key' } },
      backends: [
        { name: 'openai', schema: { name: 'OpenAI' }, priority: 0 },
        { name: 'converse', schema: { name: 'AWSBedrock' }, priority: 1 },
      ],
    },
    { name: 'plain', promptCaching: { mode: 'auto', key: { from: 'static', value: 'k' } }, backends: [{ name: 'openai-only', schema: { name: 'OpenAI' } }] },
  ],
});
const backend = (rule: string, name: string) => config.rules.find((r) => r.name === rule)!.backends.find((b) => b.name === name)!;
const SYSTEM = 'Be brief.';

describe('hintsPerAttempt', () => {
  it('is true when some backend of the rule is reached by translation from the client’s API', () => {
    expect(hintsPerAttempt(config, 'claude', 'openai.chat_completions')).toBe(true);
    expect(hintsPerAttempt(config, 'mixed', 'openai.chat_completions')).toBe(true);
    expect(hintsPerAttempt(config, 'claude', 'anthropic.messages')).toBe(false);
    expect(hintsPerAttempt(config, 'plain', 'openai.chat_completions')).toBe(false);
    expect(hintsPerAttempt(config, undefined, 'openai.chat_completions')).toBe(false);
  });
});

describe('sentDialect', () => {
  it('is the dialect of the API the body is sent in; a configured provider only where it writes that API', () => {
    expect(sentDialect(auto, 'anthropic.messages')).toBe('anthropic');
    expect(sentDialect(auto, 'vertex_ai.anthropic_messages')).toBe('anthropic');
    expect(sentDialect(auto, 'bedrock.converse')).toBe('bedrock');
    expect(sentDialect(auto, 'bedrock.invoke')).toBe('bedrock');
    expect(sentDialect(auto, 'openai.chat_completions')).toBe('openai');
    expect(sentDialect({ ...auto, provider: 'fireworks' }, 'openai.chat_completions')).toBe('fireworks');
    expect(sentDialect({ ...auto, provider: 'fireworks' }, 'anthropic.messages')).toBe('anthropic');
    expect(sentDialect(auto, 'gemini.generate_content')).toBeUndefined();
    expect(sentDialect(auto, 'vertex_ai.generate_content')).toBeUndefined();
    expect(sentDialect(auto, 'azure.chat_completions')).toBeUndefined();
  });
});

describe('attemptHints', () => {
  it('writes cache_control into a translated Anthropic body', () => {
    const body = Buffer.from(JSON.stringify({ model: 'claude', max_tokens: 10, system: SYSTEM, messages: [{ role: 'user', content: 'hi' }] }));
    const hints = attemptHints(fakeHookAttempt({ stage: 'body', rule: 'claude', backend: backend('claude', 'anthropic'), path: '/v1/messages', body, config }), logger);
    expect(JSON.parse(hints!.body!.toString())['system']).toEqual([{ type: 'text', text: SYSTEM, cache_control: { type: 'ephemeral' } }]);
  });

  it('writes cachePoint blocks into a translated Converse body', () => {
    const body = Buffer.from(JSON.stringify({ system: [{ text: SYSTEM }], messages: [{ role: 'user', content: [{ text: 'hi' }] }] }));
    const hints = attemptHints(fakeHookAttempt({ stage: 'body', rule: 'mixed', backend: backend('mixed', 'converse'), path: '/model/amazon.nova-pro-v1%3A0/converse', body, config }), logger);
    expect(JSON.parse(hints!.body!.toString())['system']).toEqual([{ text: SYSTEM }, { cachePoint: { type: 'default' } }]);
  });

  it('gives an OpenAI attempt of the same rule the router level’s key', () => {
    const body = Buffer.from(JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'system', content: SYSTEM }] }));
    const attempt = fakeHookAttempt({ stage: 'body', rule: 'mixed', backend: backend('mixed', 'openai'), body, config, headers: { [CACHE_KEY_HEADER]: 't-abc' } });
    expect(JSON.parse(attemptHints(attempt, logger)!.body!.toString())['prompt_cache_key']).toBe('t-abc');
  });

  it('gives nothing without a body, for APIs without hints, or with caching off', () => {
    const body = Buffer.from('{"contents":[]}');
    expect(attemptHints(fakeHookAttempt({ stage: 'body', rule: 'claude', backend: backend('claude', 'anthropic'), path: '/v1beta/models/g:generateContent', body, config }), logger)).toBeUndefined();
    expect(attemptHints(fakeHookAttempt({ stage: 'body', rule: 'claude', backend: backend('claude', 'anthropic'), path: '/v1/messages', body: undefined, config }), logger)).toBeUndefined();
    expect(attemptHints(fakeHookAttempt({ stage: 'body', rule: 'openai', body: Buffer.from('{"messages":[]}') }), logger)).toBeUndefined();
  });
});

describe('the prompt-caching hook on a rule with a translated backend', () => {
  const hook = promptCachingHook(config, logger);
  const openAiBody = Buffer.from(JSON.stringify({ model: 'm', messages: [{ role: 'system', content: SYSTEM }, { role: 'user', content: 'hi' }] }));

  it('adds no hint at the router level, only the key for the attempts (a client’s copy removed)', async () => {
    const r = await hook.onRequest!(fakeHookRequest({ rule: 'mixed', body: openAiBody, headers: { [CACHE_KEY_HEADER]: 'from-client' } }));
    expect(r).toEqual({ headers: { set: [[CACHE_KEY_HEADER, 'rule-key']] } });
  });

  it('asks for the attempt’s body, and removes the key header at the attempt’s headers', () => {
    const attempt = fakeHookAttempt({ rule: 'mixed', backend: backend('mixed', 'converse'), config, headers: { [CACHE_KEY_HEADER]: 'rule-key' } });
    expect(hook.attemptNeedsBody!(attempt)).toBe(true);
    expect(hook.onAttempt!(attempt)).toEqual({ headers: { remove: [CACHE_KEY_HEADER] } });
    expect(hook.attemptNeedsBody!(fakeHookAttempt({ rule: 'plain', config }))).toBe(false);
  });

  it('keeps hinting at the router level for a rule none of whose backends is translated', async () => {
    const r = await hook.onRequest!(fakeHookRequest({ rule: 'plain', body: openAiBody }));
    expect(JSON.parse((r as { body: Buffer }).body.toString())['prompt_cache_key']).toBe('k');
  });
});
