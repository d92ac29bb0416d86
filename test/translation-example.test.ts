/**
 * The worked cross-provider fallback config of docs/translation.md ("How to configure it"): the
 * page shows the file as it is, it loads, its Envoy config is one Envoy accepts and sets up what
 * the page says (one failover cluster over the backends' priorities, the per-attempt filter
 * streaming responses back through translation), and each backend gets the translation the page
 * describes. The fallback itself runs in test/integration/translation-fallback.test.ts.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseConfig } from '../src/config/load.js';
import { generateEnvoyConfig } from '../src/envoy/bootstrap.js';
import { retrySignalPolicy } from '../src/resilience/attempt-policy.js';
import { decideRetry } from '../src/resilience/retry-signal.js';
import { planTranslation } from '../src/translation/plan.js';
import { ENVOY_API_ALLOWLIST } from './support/envoy-api-allowlist.js';
import { validateEnvoyConfig } from './support/envoy-validator.js';
import { REPO_ROOT } from './support/shipped-envoy-configs.js';

const FILE = 'examples/config/cross-provider-fallback.yaml';
const text = readFileSync(path.join(REPO_ROOT, FILE), 'utf8');
const config = parseConfig(text, FILE).config;
const rule = config.rules.find((r) => r.name === 'sonnet')!;

type Any = any;

describe('the worked cross-provider fallback config', () => {
  it('is shown on docs/translation.md as it is in the file', () => {
    const page = readFileSync(path.join(REPO_ROOT, 'docs/translation.md'), 'utf8');
    expect(page).toContain(FILE);
    const blocks = [...page.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);
    const shown = blocks.find((b) => b.includes('claude-bedrock'));
    expect(shown).toBeDefined();
    expect(parse(shown!)).toEqual(parse(text));
  });

  it('generates one failover cluster over the priorities, translated attempts streamed back', () => {
    const yaml = generateEnvoyConfig(config, { extprocAddress: { host: '127.0.0.1', port: 50051 }, listenerPort: 8080, full: true });
    expect(validateEnvoyConfig(yaml, { allowlist: ENVOY_API_ALLOWLIST }).map((p) => `${p.path}: ${p.message}`)).toEqual([]);
    const doc = parse(yaml) as Any;
    const cluster = doc.static_resources.clusters.find((c: Any) => c.name === 'failover_sonnet');
    expect(cluster.load_assignment.endpoints.map((e: Any) => [e.locality.sub_zone, e.priority])).toEqual([
      ['claude-api', 0],
      ['claude-bedrock', 1],
      ['gemini', 2],
    ]);
    const filter = cluster.typed_extension_protocol_options['envoy.extensions.upstreams.http.v3.HttpProtocolOptions'].http_filters[0].typed_config;
    expect(filter.processing_mode).toMatchObject({ request_body_mode: 'BUFFERED', response_header_mode: 'SEND', response_body_mode: 'STREAMED' });
    const route = doc.static_resources.listeners[0].filter_chains[0].filters[0].typed_config.route_config.virtual_hosts[0].routes.find((r: Any) => r.name === 'sonnet');
    expect(route.route.retry_policy).toMatchObject({ num_retries: 2, retriable_status_codes: [429], retry_priority: { name: 'envoy.retry_priorities.previous_priorities' } });
  });

  it('translates an OpenAI request for each backend, and an Anthropic one for all but Gemini', () => {
    const plans = (api: string) => rule.backends.map((b) => planTranslation(api, b, { inputSchema: config.schema.name }).kind);
    expect(plans('openai.chat_completions')).toEqual(['translate', 'translate', 'translate']);
    expect(plans('anthropic.messages')).toEqual(['none', 'translate', 'unsupported']);
  });

  it('falls back at once from a rate-limited backend that has one after it; an overload is left to Envoy’s 5xx retry', () => {
    const now = Date.parse('2026-03-01T12:00:00Z');
    expect(decideRetry(429, { 'retry-after': '40' }, retrySignalPolicy(config, rule, 'claude-api'), now).kind).toBe('fallback');
    expect(decideRetry(529, {}, retrySignalPolicy(config, rule, 'claude-bedrock'), now).kind).toBe('not_rate_limited');
  });
});
