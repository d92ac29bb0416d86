import { describe, expect, it } from 'vitest';
import { configSchema, headerMatcherSchema, requestCostSchema } from './schema.js';

function issues(schema: { safeParse(v: unknown): { success: boolean; error?: { issues: Array<{ path: PropertyKey[]; message: string }> } } }, value: unknown) {
  const r = schema.safeParse(value);
  return r.success ? [] : r.error!.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
}

describe('headerMatcherSchema', () => {
  it('lower-cases the header name and defaults invert/ignoreCase', () => {
    expect(headerMatcherSchema.parse({ name: 'X-Tenant', exact: 'a' })).toEqual({ name: 'x-tenant', exact: 'a', invert: false, ignoreCase: false });
  });

  it('reads a Gateway API matcher without type as Exact (AI Gateway v0.2 writes them so)', () => {
    expect(headerMatcherSchema.parse({ name: 'x-ai-eg-model', value: 'gpt-4o' })).toMatchObject({ type: 'Exact', value: 'gpt-4o' });
  });

  it.each([
    [{ name: 'h' }, 'got none'],
    [{ name: 'h', exact: 'a', prefix: 'b' }, 'got exact, prefix'],
    [{ name: 'h', type: 'Exact', value: 'a', prefix: 'b' }, 'got type, prefix'],
  ])('needs exactly one kind: %j', (m, detail) => {
    expect(issues(headerMatcherSchema, m)).toEqual([{ path: '', message: expect.stringContaining(detail) }]);
  });

  it('rejects a value beside an Envoy-style kind (it would be ignored)', () => {
    expect(issues(headerMatcherSchema, { name: 'h', prefix: 'gpt-', value: 'gpt-4o' })).toEqual([
      { path: 'value', message: 'value is used with type (Exact or RegularExpression), not with prefix' },
    ]);
  });

  it('needs a value with type', () => {
    expect(issues(headerMatcherSchema, { name: 'h', type: 'RegularExpression' })).toEqual([{ path: 'value', message: 'type RegularExpression needs a value' }]);
  });

  it('rejects an unknown type and an empty name', () => {
    expect(issues(headerMatcherSchema, { name: 'h', type: 'Prefix', value: 'a' }).map((i) => i.path)).toContain('type');
    expect(issues(headerMatcherSchema, { name: '', exact: 'a' }).map((i) => i.path)).toContain('name');
  });

  it('rejects an invalid regular expression in either spelling', () => {
    for (const m of [{ type: 'RegularExpression', value: '(' }, { safeRegex: '[' }, { safeRegex: { regex: '*' } }]) {
      expect(issues(headerMatcherSchema, { name: 'h', ...m })[0]?.message).toMatch(/^invalid regular expression/);
    }
  });

  it('rejects unknown matcher keys', () => {
    expect(issues(headerMatcherSchema, { name: 'h', exact: 'a', regex: 'b' })[0]?.message).toMatch(/regex/);
  });
});

describe('requestCostSchema', () => {
  it('accepts the four token types and CEL in both spellings', () => {
    for (const type of ['InputToken', 'CachedInputToken', 'OutputToken', 'TotalToken']) {
      expect(requestCostSchema.parse({ metadataKey: 'k', type })).toEqual({ metadataKey: 'k', type });
    }
    expect(requestCostSchema.parse({ metadataKey: 'k', type: 'CEL', cel: '1u' }).cel).toBe('1u');
    expect(requestCostSchema.parse({ metadataKey: 'k', type: 'CEL', celExpression: '1u' }).celExpression).toBe('1u');
  });

  it('needs an expression for type CEL', () => {
    expect(issues(requestCostSchema, { metadataKey: 'k', type: 'CEL' })).toEqual([{ path: 'celExpression', message: 'type CEL needs celExpression' }]);
  });
});

describe('configSchema', () => {
  it('lower-cases the route and model header names', () => {
    const c = configSchema.parse({ selectedRouteHeaderKey: 'X-Route', modelNameHeaderKey: 'X-Model' });
    expect([c.selectedRouteHeaderKey, c.modelNameHeaderKey]).toEqual(['x-route', 'x-model']);
  });

  it('accepts every v0.2 backend auth shape and schema name', () => {
    const c = configSchema.parse({
      rules: [
        {
          name: 'r',
          backends: [
            { name: 'a', schema: { name: 'OpenAI' }, auth: { apiKey: { filename: '/k' } } },
            { name: 'b', schema: { name: 'AWSBedrock' }, auth: { aws: { credentialFileName: '/c', region: 'us-east-1' } } },
            { name: 'c', schema: { name: 'AzureOpenAI', version: '2024-10-21' }, auth: { azure: { filename: '/t' } } },
            { name: 'd', schema: { name: 'GCPVertexAI' }, modelNameOverride: 'gemini-2.0', weight: 3 },
            { name: 'e', schema: { name: 'GCPAnthropic' } },
          ],
        },
      ],
    });
    expect(c.rules[0]!.backends).toHaveLength(5);
  });

  it('rejects an apiKey with two sources', () => {
    expect(configSchema.safeParse({ rules: [{ name: 'r', backends: [{ name: 'a', auth: { apiKey: { filename: '/k', key: 'x' } } }] }] }).success).toBe(false);
  });

  it.each([
    [{ apis: { pathPrefix: 'openai' } }, 'apis.pathPrefix'],
    [{ apis: { pathPrefix: '/openai/' } }, 'apis.pathPrefix'],
    [{ router: { timeoutMs: 0 } }, 'router.timeoutMs'],
    [{ admin: { recentDecisions: 10_001 } }, 'admin.recentDecisions'],
    [{ grpc: { port: 1 } }, 'grpc'],
    [{ models: [{ name: '' }] }, 'models.0.name'],
  ])('rejects %j at %s', (value, path) => {
    expect(issues(configSchema, value).map((i) => i.path)).toContain(path);
  });
});
