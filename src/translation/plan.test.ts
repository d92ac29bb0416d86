import { describe, expect, it } from 'vitest';
import { backendSchema, type BackendConfig } from '../config/schema.js';
import { planTranslation } from './plan.js';

const backend = (b: Record<string, unknown>): BackendConfig => backendSchema.parse({ name: 'b', ...b });

describe('planTranslation (AI Gateway v0.2 schema semantics)', () => {
  it('translates when the backend schema differs from the client API', () => {
    const cases: Array<[string, Record<string, unknown>, string]> = [
      ['openai.chat_completions', { schema: { name: 'Anthropic' } }, 'anthropic'],
      ['openai.chat_completions', { schema: { name: 'AWSAnthropic' } }, 'bedrock-anthropic'],
      ['openai.chat_completions', { schema: { name: 'AWSBedrock' } }, 'bedrock-converse'],
      ['openai.chat_completions', { schema: { name: 'GCPGemini' } }, 'gemini'],
      ['openai.chat_completions', { schema: { name: 'GCPVertexAI' }, auth: { gcp: { projectName: 'p', region: 'r' } } }, 'vertex-gemini'],
      ['openai.chat_completions', { schema: { name: 'GCPAnthropic' }, auth: { gcp: { projectName: 'p', region: 'r' } } }, 'vertex-anthropic'],
      ['openai.chat_completions', { schema: { name: 'AzureOpenAI', version: '2025-01-01-preview' } }, 'azure-openai'],
      ['anthropic.messages', { schema: { name: 'AWSBedrock' } }, 'bedrock-anthropic'],
      ['anthropic.messages', { schema: { name: 'GCPVertexAI' }, auth: { gcp: { projectName: 'p', region: 'r' } } }, 'vertex-anthropic'],
      ['anthropic.messages', { schema: { name: 'OpenAI' } }, 'openai'],
    ];
    for (const [api, b, kind] of cases) {
      const plan = planTranslation(api, backend(b));
      expect(plan.kind, `${api} → ${JSON.stringify(b)}`).toBe('translate');
      if (plan.kind === 'translate') expect(plan.translator.target.kind).toBe(kind);
    }
    const azure = planTranslation('openai.chat_completions', backend({ schema: { name: 'AzureOpenAI', version: '2025-01-01-preview' } }));
    if (azure.kind === 'translate') expect(azure.translator.target.apiVersion).toBe('2025-01-01-preview');
  });

  it('leaves requests alone when the backend speaks the client API or names no schema', () => {
    expect(planTranslation('openai.chat_completions', backend({ schema: { name: 'OpenAI' } })).kind).toBe('none');
    expect(planTranslation('anthropic.messages', backend({ schema: { name: 'Anthropic' } })).kind).toBe('none');
    expect(planTranslation('gemini.generate_content', backend({ schema: { name: 'GCPGemini' } })).kind).toBe('none');
    expect(planTranslation('bedrock.converse', backend({ schema: { name: 'AWSBedrock' } })).kind).toBe('none');
    expect(planTranslation('azure.chat_completions', backend({ schema: { name: 'AzureOpenAI' } })).kind).toBe('none');
    expect(planTranslation('bedrock.invoke', backend({ schema: { name: 'AWSAnthropic' } })).kind).toBe('none');
    expect(planTranslation('vertex_ai.anthropic_messages', backend({ schema: { name: 'GCPAnthropic' } })).kind).toBe('none');
    expect(planTranslation('openai.chat_completions', backend({})).kind).toBe('none');
    expect(planTranslation('openai.chat_completions', undefined).kind).toBe('none');
  });

  it('never translates to a backend that speaks the input schema (its responses are not streamed through)', () => {
    const openai = backend({ schema: { name: 'OpenAI' } });
    expect(planTranslation('anthropic.messages', openai, { inputSchema: 'OpenAI' })).toMatchObject({ kind: 'none', reason: expect.stringContaining('input schema') });
    expect(planTranslation('anthropic.messages', openai, { inputSchema: 'Anthropic' }).kind).toBe('translate');
    expect(planTranslation('openai.chat_completions', backend({ schema: { name: 'Anthropic' } }), { inputSchema: 'Anthropic' }).kind).toBe('none');
  });

  it('says why a pair cannot be translated', () => {
    const embeddings = planTranslation('openai.embeddings', backend({ schema: { name: 'AWSBedrock' } }));
    expect(embeddings).toMatchObject({ kind: 'unsupported', reason: expect.stringContaining('openai.embeddings') });
    expect(planTranslation('anthropic.messages', backend({ schema: { name: 'GCPGemini' } })).kind).toBe('unsupported');
    const vertex = planTranslation('openai.chat_completions', backend({ schema: { name: 'GCPVertexAI' } }));
    expect(vertex).toMatchObject({ kind: 'unsupported', reason: expect.stringContaining('auth.gcp.projectName') });
  });
});
