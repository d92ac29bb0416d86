import { describe, expect, it } from 'vitest';
import { feedChunked } from '../../test/support/chunking.js';
import { UserFacingError } from '../errors.js';
import { azureChatCompletions, azureCompletions, azureEmbeddings, matchAzure } from './azure-openai.js';

const q = new URLSearchParams('api-version=2024-10-21');

describe('Azure OpenAI', () => {
  it('routes by the deployment in the URL', () => {
    expect(matchAzure('POST', '/openai/deployments/prod-gpt4o/chat/completions', q)).toMatchObject({ api: azureChatCompletions, urlModel: 'prod-gpt4o' });
    expect(matchAzure('POST', '/openai/deployments/d1/completions', q)?.api).toBe(azureCompletions);
    expect(matchAzure('POST', '/openai/deployments/d1/embeddings', q)?.api).toBe(azureEmbeddings);
    expect(matchAzure('POST', '/openai/deployments/d1/chat/completions/x', q)).toBeUndefined();
    expect(azureChatCompletions.provider).toBe('azure.openai');
    expect(azureChatCompletions.modelSource).toBe('url');
  });

  it('reads stream from the body and leaves the model to the URL', () => {
    const body = Buffer.from('{"model":"gpt-4o","stream":true,"messages":[]}');
    expect(azureChatCompletions.parseRequestBody(body, 'application/json')).toMatchObject({ stream: true });
    expect(azureChatCompletions.parseRequestBody(Buffer.from('{"messages":[]}'), 'application/json')).toMatchObject({ stream: false });
    expect(azureEmbeddings.parseRequestBody(Buffer.from('{"input":"x","stream":true}'), 'application/json')).toMatchObject({ stream: false });
    expect(() => azureChatCompletions.parseRequestBody(Buffer.from('{"messages":'), 'application/json')).toThrow(UserFacingError);
  });

  it('reads embeddings usage without decoding the vectors', () => {
    const body = JSON.stringify({ object: 'list', data: [{ embedding: [0.1, 0.2] }], model: 'text-embedding-3-small', usage: { prompt_tokens: 4, total_tokens: 4 } });
    expect(feedChunked(azureEmbeddings.newResponseParser({ stream: false, contentType: 'application/json' }), body, 2)).toEqual({
      usage: { input: 4, total: 4 },
      model: 'text-embedding-3-small',
    });
  });
});
