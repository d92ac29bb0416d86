/**
 * Every recorded OpenAI fixture that carries usage, replayed through the Envoy-protocol harness
 * and the real service, must yield exactly its usage numbers in /metrics and in the dynamic
 * metadata Envoy receives.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Harness } from '../harness/harness.js';
import { headerValue, listCassettes, loadCassette } from '../support/cassettes.js';
import { startService, type TestService } from '../support/service.js';
import { histogramSum } from '../support/prometheus.js';
import { startSingleRoute, type SingleRoute } from '../support/single-route.js';

interface ExpectedUsage {
  input: number;
  output: number | undefined;
  cached: number | undefined;
  reasoning: number | undefined;
}

/** Reads the usage block of a recorded response independently of the service's parsers. */
function recordedUsage(body: string, contentType: string): ExpectedUsage | undefined {
  let usage: Record<string, unknown> | undefined;
  if (contentType.startsWith('text/event-stream')) {
    for (const line of body.split(/\r?\n/)) {
      if (!line.startsWith('data:')) continue;
      const data = line.slice(5).trim();
      if (data === '[DONE]') continue;
      const event = JSON.parse(data) as { usage?: Record<string, unknown> | null };
      if (event.usage) usage = event.usage;
    }
  } else {
    try {
      usage = (JSON.parse(body) as { usage?: Record<string, unknown> }).usage;
    } catch {
      return undefined;
    }
  }
  const input = (usage?.['prompt_tokens'] ?? usage?.['input_tokens']) as number | undefined;
  if (typeof input !== 'number') return undefined;
  const details = (k: string) => usage?.[k] as Record<string, number> | undefined;
  return {
    input,
    output: (usage?.['completion_tokens'] ?? usage?.['output_tokens']) as number | undefined,
    cached: details('prompt_tokens_details')?.['cached_tokens'] ?? details('input_tokens_details')?.['cached_tokens'],
    reasoning: details('completion_tokens_details')?.['reasoning_tokens'] ?? details('output_tokens_details')?.['reasoning_tokens'],
  };
}

const cases = listCassettes()
  .map((name) => ({ name, interaction: loadCassette(name).interactions[0]! }))
  .filter(({ interaction }) => interaction.response.status >= 200 && interaction.response.status < 300)
  .filter(({ interaction }) => !(headerValue(interaction.request.headers, 'content-type') ?? '').startsWith('multipart/'))
  .map(({ name, interaction }) => ({
    name,
    interaction,
    usage: recordedUsage(interaction.response.body, headerValue(interaction.response.headers, 'content-type') ?? ''),
  }))
  .filter((c): c is typeof c & { usage: ExpectedUsage } => c.usage !== undefined);

let svc: TestService;
let route: SingleRoute;
let harness: Harness;

beforeAll(async () => {
  svc = await startService({ yaml: 'rules: [{ name: openai }]\n' });
  route = await startSingleRoute({ processorAddress: svc.target, harness: { bufferLimitBytes: 32 * 1024 * 1024 } });
  harness = route.harness;
});
afterAll(async () => {
  await route?.close();
  await svc?.stop();
});

describe('recorded OpenAI traffic', () => {
  it('has a good number of fixtures with usage to check', () => {
    expect(cases.length).toBeGreaterThanOrEqual(15);
  });

  it.each(cases)('$name: usage reaches /metrics and dynamic metadata exactly', async ({ name, interaction, usage }) => {
    const url = new URL(interaction.request.url);
    const model = (JSON.parse(interaction.request.body) as { model?: string }).model ?? url.pathname.split('/')[3]!;
    const types = ['input', 'output', 'cached_input', 'reasoning'] as const;
    const before = Object.fromEntries(
      await Promise.all(types.map(async (t) => [t, histogramSum(await svc.metricsText(), 'gen_ai_client_token_usage', { gen_ai_token_type: t, gen_ai_request_model: model })] as const)),
    );
    const res = await fetch(`${harness.url}${url.pathname}${url.search}`, {
      method: interaction.request.method,
      headers: { 'content-type': 'application/json', 'x-harness-id': name },
      body: interaction.request.body,
    });
    expect(res.status).toBe(interaction.response.status);
    await res.arrayBuffer();
    await harness.settled();
    const exchange = harness.exchange(name)!;
    expect(exchange.violations).toEqual([]);
    expect(exchange.route).toBe('openai');
    const text = await svc.metricsText();
    const delta = (t: (typeof types)[number]) =>
      histogramSum(text, 'gen_ai_client_token_usage', { gen_ai_token_type: t, gen_ai_request_model: model }) - before[t]!;
    expect(delta('input')).toBe(usage.input);
    expect(delta('output')).toBe(usage.output ?? 0);
    expect(delta('cached_input')).toBe(usage.cached ?? 0);
    expect(delta('reasoning')).toBe(usage.reasoning ?? 0);
    const md = exchange.dynamicMetadata['io.envoy.ai_gateway'];
    expect(md?.['input_tokens']).toBe(usage.input);
    if (usage.output !== undefined) expect(md?.['output_tokens']).toBe(usage.output);
  });
});
