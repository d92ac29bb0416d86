import { describe, expect, it } from 'vitest';
import { isModelsListPath, modelsListShape, renderModelList } from './models-list.js';

const MODELS = [
  { name: 'gpt-4o-mini', ownedBy: 'openai', created: 1721172741 },
  { name: 'claude-sonnet-4-20250514', displayName: 'Claude Sonnet 4', created: 1747699200 },
];

describe('models list', () => {
  it('renders the OpenAI list', () => {
    expect(JSON.parse(renderModelList('openai', MODELS))).toEqual({
      object: 'list',
      data: [
        { id: 'gpt-4o-mini', object: 'model', created: 1721172741, owned_by: 'openai' },
        { id: 'claude-sonnet-4-20250514', object: 'model', created: 1747699200, owned_by: 'system' },
      ],
    });
  });

  it('renders the Anthropic list', () => {
    expect(JSON.parse(renderModelList('anthropic', MODELS))).toEqual({
      data: [
        { type: 'model', id: 'gpt-4o-mini', display_name: 'gpt-4o-mini', created_at: '2024-07-16T23:32:21Z' },
        { type: 'model', id: 'claude-sonnet-4-20250514', display_name: 'Claude Sonnet 4', created_at: '2025-05-20T00:00:00Z' },
      ],
      has_more: false,
      first_id: 'gpt-4o-mini',
      last_id: 'claude-sonnet-4-20250514',
    });
    expect(JSON.parse(renderModelList('anthropic', []))).toEqual({ data: [], has_more: false, first_id: null, last_id: null });
  });

  it('matches GET /v1/models only', () => {
    expect(isModelsListPath('GET', '/v1/models')).toBe(true);
    expect(isModelsListPath('get', '/v1/models?limit=20')).toBe(true);
    expect(isModelsListPath('POST', '/v1/models')).toBe(false);
    expect(isModelsListPath('GET', '/v1/models/gpt-4o')).toBe(false);
    expect(isModelsListPath('GET', '/v1/modelsx')).toBe(false);
  });

  it('picks the shape by the anthropic-version header', () => {
    expect(modelsListShape({ 'anthropic-version': '2023-06-01' })).toBe('anthropic');
    expect(modelsListShape({ authorization: 'Bearer x' })).toBe('openai');
    expect(modelsListShape('GET', '/v1/models', { 'anthropic-version': '2023-06-01' })).toBe('anthropic');
    expect(modelsListShape('GET', '/v1/models?x=1', {})).toBe('openai');
    expect(modelsListShape('GET', '/v1/chat/completions', {})).toBeUndefined();
  });
});
