import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { EMBEDDED_DEFAULT_YAML } from './embedded-default.js';
import { loadEmbeddedDefault } from './load.js';

describe('the embedded default config', () => {
  it('is valid and frozen', () => {
    const { config } = loadEmbeddedDefault();
    expect(Object.isFrozen(config.rules)).toBe(true);
  });

  it('routes gpt-, claude- and gemini- models to the three providers', () => {
    const { config } = loadEmbeddedDefault();
    expect(config.rules.map((r) => [r.name, r.headers[0]?.prefix, r.backends[0]?.host])).toEqual([
      ['openai', 'gpt-', 'api.openai.com'],
      ['anthropic', 'claude-', 'api.anthropic.com'],
      ['gemini', 'gemini-', 'generativelanguage.googleapis.com'],
    ]);
    expect(config.rules.every((r) => r.backends.every((b) => b.port === 443 && b.tls === true))).toBe(true);
  });

  it('uses the AI Gateway v0.2 header and metadata names', () => {
    const { config } = loadEmbeddedDefault();
    expect(config.selectedRouteHeaderKey).toBe('x-ai-eg-selected-route');
    expect(config.modelNameHeaderKey).toBe('x-ai-eg-model');
    expect(config.metadataNamespace).toBe('io.envoy.ai_gateway');
    expect(config.llmRequestCosts.map((c) => c.type)).toEqual(['InputToken', 'OutputToken', 'TotalToken']);
  });

  it('sets no module, no credentials and no listen address (those stay defaults or flags)', () => {
    const raw = parseDocument(EMBEDDED_DEFAULT_YAML).toJS() as Record<string, unknown>;
    expect(Object.keys(raw).sort()).toEqual(['llmRequestCosts', 'metadataNamespace', 'modelNameHeaderKey', 'rules', 'schema', 'selectedRouteHeaderKey']);
    expect(EMBEDDED_DEFAULT_YAML).not.toMatch(/auth|apiKey|module/);
  });
});
