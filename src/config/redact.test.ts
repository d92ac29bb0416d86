import { describe, expect, it } from 'vitest';
import { parseConfig } from './load.js';
import { redactConfig } from './redact.js';

const SECRET = 'sk-live-0123456789abcdef';

const { config } = parseConfig(
  `
rules:
  - name: r
    backends:
      - { name: a, auth: { apiKey: { key: "${SECRET}" } } }
      - { name: b, auth: { apiKey: { filename: /etc/secrets/openai } } }
      - { name: c, auth: { apiKey: { env: OPENAI_API_KEY } } }
      - { name: d, auth: { aws: { credentialFileLiteral: "${SECRET}-aws", region: us-east-1 } } }
      - { name: e, auth: { azure: { accessToken: "${SECRET}-azure" } } }
      - { name: f, auth: { aws: { credentialFileName: /etc/aws/credentials, region: eu-west-1 } } }
router:
  module: ./r.js
  options: { apiKey: "${SECRET}-opt", lookupToken: "${SECRET}-tok", clientSecret: "${SECRET}-sec", tokenFile: /etc/tok, tenantHeader: x-tenant, maxTokens: 5 }
metrics:
  options: { nested: [{ password: "${SECRET}-pw" }] }
llmRequestCosts: [{ metadataKey: tokens, type: TotalToken }]
`,
  'r.yaml',
);

describe('redactConfig', () => {
  const redacted = redactConfig(config) as typeof config;
  const text = JSON.stringify(redacted);

  it('never shows a secret literal, wherever it is', () => {
    expect(text).not.toContain(SECRET);
    expect(redacted.rules[0]!.backends[0]!.auth).toEqual({ apiKey: { key: '[redacted]' } });
    expect(redacted.rules[0]!.backends[3]!.auth?.aws).toEqual({ credentialFileLiteral: '[redacted]', region: 'us-east-1' });
    expect(redacted.rules[0]!.backends[4]!.auth?.azure).toEqual({ accessToken: '[redacted]' });
    expect(redacted.router.options).toMatchObject({ apiKey: '[redacted]', lookupToken: '[redacted]', clientSecret: '[redacted]' });
    expect(redacted.metrics.options).toEqual({ nested: [{ password: '[redacted]' }] });
  });

  it('keeps where secrets come from, and everything else', () => {
    expect(redacted.rules[0]!.backends[1]!.auth).toEqual({ apiKey: { filename: '/etc/secrets/openai' } });
    expect(redacted.rules[0]!.backends[2]!.auth).toEqual({ apiKey: { env: 'OPENAI_API_KEY' } });
    expect(redacted.rules[0]!.backends[5]!.auth?.aws).toEqual({ credentialFileName: '/etc/aws/credentials', region: 'eu-west-1' });
    expect(redacted.router.options).toMatchObject({ tokenFile: '/etc/tok', tenantHeader: 'x-tenant', maxTokens: 5 });
    expect(redacted.modelNameHeaderKey).toBe('x-ai-eg-model');
    expect(redacted.llmRequestCosts).toEqual([{ metadataKey: 'tokens', type: 'TotalToken' }]);
    expect(redacted.router.module).toBe('./r.js');
  });

  it('returns a copy and leaves the frozen config untouched', () => {
    expect(redacted).not.toBe(config);
    expect(config.rules[0]!.backends[0]!.auth?.apiKey).toEqual({ key: SECRET });
  });
});
