import { describe, expect, it } from 'vitest';
import { configSchema } from '../config/schema.js';
import { describeTranslations, translationsForRule, translationWarnings } from './config-view.js';

const config = configSchema.parse({
  rules: [
    {
      name: 'mixed',
      backends: [
        { name: 'openai', schema: { name: 'OpenAI' } },
        { name: 'bedrock', schema: { name: 'AWSBedrock' } },
        { name: 'vertex', schema: { name: 'GCPVertexAI' } },
      ],
    },
    { name: 'plain', backends: [{ name: 'local' }] },
  ],
});

describe('what check and route show', () => {
  it('lists per backend what each client API gets', () => {
    const all = describeTranslations(config);
    expect(all.map((t) => [t.path, t.openaiChatCompletions.kind, t.anthropicMessages.kind])).toEqual([
      ['rules[0].backends[0]', 'none', 'none'],
      ['rules[0].backends[1]', 'translate', 'translate'],
      ['rules[0].backends[2]', 'unsupported', 'unsupported'],
    ]);
    expect(all[1]!.openaiChatCompletions.translation).toBe('openai.chat_completions → Amazon Bedrock Converse (bedrock-converse)');
    // With Anthropic as the input schema, Anthropic clients reach the OpenAI backend by translation.
    const anthropicInput = configSchema.parse({ schema: { name: 'Anthropic' }, rules: [{ name: 'r', backends: [{ name: 'vllm', schema: { name: 'OpenAI' } }] }] });
    expect(describeTranslations(anthropicInput)[0]!.anthropicMessages).toEqual({ kind: 'translate', translation: 'anthropic.messages → an OpenAI-compatible server (openai)' });
  });

  it('answers per rule for one request API', () => {
    expect(translationsForRule(config, 'mixed', 'openai.chat_completions').map((t) => t.kind)).toEqual(['none', 'translate', 'unsupported']);
    expect(translationsForRule(config, 'plain', 'openai.chat_completions')).toEqual([{ backend: 'local', kind: 'none', translation: 'none (the backend names no schema)' }]);
    expect(translationsForRule(config, 'nope', 'openai.chat_completions')).toEqual([]);
  });

  it('warns about Vertex AI backends without project and region', () => {
    expect(translationWarnings(config)).toEqual([{ path: 'rules[0].backends[2].auth.gcp', message: expect.stringContaining('auth.gcp.projectName and auth.gcp.region') }]);
  });
});
