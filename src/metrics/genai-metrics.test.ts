import { describe, expect, it } from 'vitest';
import { pino, type Logger } from 'pino';
import { Writable } from 'node:stream';
import {
  AggregationTemporality,
  MeterProvider,
  MetricReader,
  type DataPoint,
  type Histogram,
  type MetricData,
} from '@opentelemetry/sdk-metrics';
import {
  createGenAiMetrics,
  providerFor,
  REQUEST_DURATION_BUCKETS,
  ROUTE_ATTRIBUTE,
  STREAM_ATTRIBUTE,
  TIME_PER_OUTPUT_TOKEN_BUCKETS,
  TIME_TO_FIRST_TOKEN_BUCKETS,
  TOKEN_USAGE_BUCKETS,
} from './genai-metrics.js';
import type { RequestStart } from './request-metrics.js';

class TestReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
  async metric(name: string): Promise<MetricData | undefined> {
    const { resourceMetrics, errors } = await this.collect();
    expect(errors).toEqual([]);
    for (const sm of resourceMetrics.scopeMetrics) for (const m of sm.metrics) if (m.descriptor.name === name) return m;
    return undefined;
  }
  async points(name: string): Promise<Array<DataPoint<Histogram>>> {
    const m = await this.metric(name);
    return (m?.dataPoints ?? []) as Array<DataPoint<Histogram>>;
  }
}

function capturingLogger(): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
      cb();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

/** A clock the test moves by hand. */
function manualClock(start = 100): { now: () => number; advance: (s: number) => void } {
  let t = start;
  return { now: () => t, advance: (s) => (t += s) };
}

const CHAT: RequestStart = { api: 'openai.chat_completions', operation: 'chat', provider: 'openai' };

function setup(opts: { headers?: Record<string, string>; max?: number } = {}) {
  const reader = new TestReader();
  const provider = new MeterProvider({ readers: [reader] });
  const clock = manualClock();
  const log = capturingLogger();
  const meter = provider.getMeter('llm-extproc');
  const factory = createGenAiMetrics(meter, {
    requestHeaderAttributes: opts.headers ?? {},
    maxAttributeValues: opts.max ?? 100,
    logger: log.logger,
    now: clock.now,
  });
  return { reader, factory, clock, log, meter };
}

describe('createGenAiMetrics', () => {
  it('creates the four histograms with the exact names, units and bucket boundaries', async () => {
    const { reader, factory } = setup();
    const m = factory.newRequest();
    m.startRequest({}, CHAT);
    m.recordTokenUsage({ input: 1 });
    m.recordTokenLatency(0);
    m.recordTokenLatency(3, { endOfStream: true });
    m.recordRequestCompletion(true);
    const expected: Array<[string, string, readonly number[]]> = [
      ['gen_ai.client.token.usage', '{token}', TOKEN_USAGE_BUCKETS],
      ['gen_ai.server.request.duration', 's', REQUEST_DURATION_BUCKETS],
      ['gen_ai.server.time_to_first_token', 's', TIME_TO_FIRST_TOKEN_BUCKETS],
      ['gen_ai.server.time_per_output_token', 's', TIME_PER_OUTPUT_TOKEN_BUCKETS],
    ];
    for (const [name, unit, buckets] of expected) {
      const metric = await reader.metric(name);
      expect(metric, name).toBeDefined();
      expect(metric!.descriptor.unit).toBe(unit);
      expect(metric!.dataPoints[0]!.value).toHaveProperty('buckets.boundaries', [...buckets]);
    }
    expect(TOKEN_USAGE_BUCKETS).toEqual([
      1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864,
    ]);
    expect(REQUEST_DURATION_BUCKETS).toEqual([
      0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
    ]);
    expect(TIME_TO_FIRST_TOKEN_BUCKETS).toEqual([
      0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 15, 20, 30, 45, 60,
    ]);
    expect(TIME_PER_OUTPUT_TOKEN_BUCKETS).toEqual([0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 2.5]);
  });

  it('records one token usage point per kind present, with the request attributes', async () => {
    const { reader, factory } = setup();
    const m = factory.newRequest();
    m.startRequest({}, CHAT);
    m.setModel('gpt-4o');
    m.setBackend('openai-rule', 'openai');
    m.setStream!(true);
    m.setResponseModel!('gpt-4o-2024-08-06');
    m.recordTokenUsage({ input: 100, cachedInput: 20, cacheCreationInput: 5, output: 50, reasoning: 10, total: 150 });
    const points = await reader.points('gen_ai.client.token.usage');
    const byType = new Map(points.map((p) => [p.attributes['gen_ai.token.type'], p]));
    expect([...byType.keys()].sort()).toEqual(['cache_creation_input', 'cached_input', 'input', 'output', 'reasoning']);
    expect(byType.get('input')!.value.sum).toBe(100);
    expect(byType.get('cached_input')!.value.sum).toBe(20);
    expect(byType.get('cache_creation_input')!.value.sum).toBe(5);
    expect(byType.get('output')!.value.sum).toBe(50);
    expect(byType.get('reasoning')!.value.sum).toBe(10);
    expect(byType.get('input')!.attributes).toEqual({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o',
      'gen_ai.response.model': 'gpt-4o-2024-08-06',
      [ROUTE_ATTRIBUTE]: 'openai-rule',
      [STREAM_ATTRIBUTE]: true,
      'gen_ai.token.type': 'input',
    });
    // 100 lands in the (64, 256] bucket: index 4.
    expect(byType.get('input')!.value.buckets.counts[4]).toBe(1);
  });

  it('says whether the request streams only once told, and a non-streaming request says false', async () => {
    const { reader, factory } = setup();
    const unknown = factory.newRequest();
    unknown.startRequest({}, CHAT);
    unknown.recordRequestCompletion(true);
    const plain = factory.newRequest();
    plain.startRequest({}, CHAT);
    plain.setStream!(false);
    plain.recordRequestCompletion(true);
    const points = await reader.points('gen_ai.server.request.duration');
    expect(points.map((p) => p.attributes[STREAM_ATTRIBUTE]).sort()).toEqual([false, undefined]);
  });

  it('skips token kinds not reported and invalid counts', async () => {
    const { reader, factory } = setup();
    const m = factory.newRequest();
    m.startRequest({}, CHAT);
    m.recordTokenUsage({ input: 3, output: Number.NaN, reasoning: -1 });
    const points = await reader.points('gen_ai.client.token.usage');
    expect(points.map((p) => p.attributes['gen_ai.token.type'])).toEqual(['input']);
  });

  it('records request duration from startRequest, with error.type on failure', async () => {
    const { reader, factory, clock } = setup();
    const ok = factory.newRequest();
    ok.startRequest({}, CHAT);
    clock.advance(1.5);
    ok.recordRequestCompletion(true);
    ok.recordRequestCompletion(true); // a second call is ignored
    const bad = factory.newRequest();
    bad.startRequest({}, CHAT);
    clock.advance(0.25);
    bad.recordRequestCompletion(false, { 'error.type': '429' });
    const unknown = factory.newRequest();
    unknown.startRequest({}, CHAT);
    unknown.recordRequestCompletion(false);
    const points = await reader.points('gen_ai.server.request.duration');
    const okPoint = points.find((p) => p.attributes['error.type'] === undefined)!;
    expect(okPoint.value.count).toBe(1);
    expect(okPoint.value.sum).toBeCloseTo(1.5, 9);
    expect(okPoint.value.buckets.counts[8]).toBe(1); // (1.28, 2.56]
    const badPoint = points.find((p) => p.attributes['error.type'] === '429')!;
    expect(badPoint.value.sum).toBeCloseTo(0.25, 9);
    expect(points.find((p) => p.attributes['error.type'] === '_OTHER')!.value.count).toBe(1);
  });

  it('records time to first token once and time per output token at the end', async () => {
    const { reader, factory, clock } = setup();
    const m = factory.newRequest();
    m.startRequest({}, CHAT);
    clock.advance(0.3);
    m.recordTokenLatency(1, { endOfStream: false });
    clock.advance(1);
    m.recordTokenLatency(5);
    clock.advance(1);
    m.recordTokenLatency(11, { endOfStream: true });
    m.recordTokenLatency(11, { endOfStream: true }); // once only
    const ttft = await reader.points('gen_ai.server.time_to_first_token');
    expect(ttft).toHaveLength(1);
    expect(ttft[0]!.value.count).toBe(1);
    expect(ttft[0]!.value.sum).toBeCloseTo(0.3, 9);
    expect(ttft[0]!.attributes).not.toHaveProperty('endOfStream');
    const tpot = await reader.points('gen_ai.server.time_per_output_token');
    expect(tpot).toHaveLength(1);
    expect(tpot[0]!.value.count).toBe(1);
    expect(tpot[0]!.value.sum).toBeCloseTo(2 / 10, 9);
  });

  it('records no time per output token for one output token or a response that arrived whole', async () => {
    const { reader, factory, clock } = setup();
    const one = factory.newRequest();
    one.startRequest({}, CHAT);
    one.recordTokenLatency(0);
    clock.advance(1);
    one.recordTokenLatency(1, { endOfStream: true });
    const whole = factory.newRequest();
    whole.startRequest({}, CHAT);
    whole.recordTokenLatency(40, { endOfStream: true });
    expect(await reader.points('gen_ai.server.time_per_output_token')).toEqual([]);
    expect((await reader.points('gen_ai.server.time_to_first_token'))[0]!.value.count).toBe(2);
  });

  it('keeps start time and model per request when requests interleave', async () => {
    const { reader, factory, clock } = setup();
    const a = factory.newRequest();
    a.startRequest({}, CHAT);
    a.setModel('model-a');
    clock.advance(2);
    const b = factory.newRequest();
    b.startRequest({}, CHAT);
    b.setModel('model-b');
    clock.advance(0.5);
    a.recordTokenLatency(0);
    b.recordTokenLatency(0);
    clock.advance(0.5);
    b.recordRequestCompletion(true);
    a.recordRequestCompletion(true);
    const durations = await reader.points('gen_ai.server.request.duration');
    const byModel = new Map(durations.map((p) => [p.attributes['gen_ai.request.model'], p.value.sum]));
    expect(byModel.get('model-a')).toBeCloseTo(3, 9);
    expect(byModel.get('model-b')).toBeCloseTo(1, 9);
    const ttft = await reader.points('gen_ai.server.time_to_first_token');
    const ttftByModel = new Map(ttft.map((p) => [p.attributes['gen_ai.request.model'], p.value.sum]));
    expect(ttftByModel.get('model-a')).toBeCloseTo(2.5, 9);
    expect(ttftByModel.get('model-b')).toBeCloseTo(0.5, 9);
  });

  it('adds capped request-header attributes and warns once when a cap is reached', async () => {
    const { reader, factory, log } = setup({ headers: { 'x-tenant': 'tenant' }, max: 2 });
    for (const tenant of ['acme', 'globex', 'initech', 'umbrella', 'acme']) {
      const m = factory.newRequest();
      m.startRequest({ 'x-tenant': tenant }, CHAT);
      m.recordRequestCompletion(true);
    }
    const m = factory.newRequest();
    m.startRequest({}, CHAT);
    m.recordRequestCompletion(true);
    const points = await reader.points('gen_ai.server.request.duration');
    const counts = Object.fromEntries(points.map((p) => [String(p.attributes['tenant']), p.value.count]));
    expect(counts).toEqual({ acme: 2, globex: 1, other: 2, undefined: 1 });
    const warnings = log.lines.filter((l) => l['attribute'] === 'tenant');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!['level']).toBe(40);
  });

  it('lets a second factory on the same meter (a config reload) feed the same series', async () => {
    const { reader, factory, meter, clock, log } = setup();
    const reloaded = createGenAiMetrics(meter, { requestHeaderAttributes: {}, maxAttributeValues: 100, logger: log.logger, now: clock.now });
    for (const f of [factory, reloaded]) {
      const m = f.newRequest();
      m.startRequest({}, CHAT);
      m.recordTokenUsage({ input: 5 });
    }
    const points = await reader.points('gen_ai.client.token.usage');
    expect(points).toHaveLength(1);
    expect(points[0]!.value.count).toBe(2);
    expect(points[0]!.value.sum).toBe(10);
  });

  it('passes caller attributes through', async () => {
    const { reader, factory } = setup();
    const m = factory.newRequest();
    m.startRequest({}, CHAT);
    m.recordTokenUsage({ output: 7 }, { 'custom.attr': 'x' });
    const [p] = await reader.points('gen_ai.client.token.usage');
    expect(p!.attributes['custom.attr']).toBe('x');
  });

  it('reports the backend as provider only when it is a well-known provider name', async () => {
    const { reader, factory } = setup();
    const anthropicBackend = factory.newRequest();
    anthropicBackend.startRequest({}, CHAT);
    anthropicBackend.setBackend('claude-rule', 'anthropic');
    anthropicBackend.recordTokenUsage({ input: 1 });
    const customBackend = factory.newRequest();
    customBackend.startRequest({}, CHAT);
    customBackend.setBackend('vllm-rule', 'my-vllm');
    customBackend.recordTokenUsage({ input: 1 });
    const points = await reader.points('gen_ai.client.token.usage');
    const byRule = new Map(points.map((p) => [p.attributes[ROUTE_ATTRIBUTE], p.attributes['gen_ai.provider.name']]));
    expect(byRule.get('claude-rule')).toBe('anthropic');
    expect(byRule.get('vllm-rule')).toBe('openai');
  });

  it('reports the provider the per-attempt path named (a translated request) over the API’s and the backend’s', async () => {
    const { reader, factory } = setup();
    const m = factory.newRequest();
    m.startRequest({}, CHAT);
    m.setBackend('fallback', 'claude-direct');
    m.setProvider!('anthropic');
    m.recordTokenUsage({ input: 1 });
    m.recordRequestCompletion(true);
    for (const name of ['gen_ai.client.token.usage', 'gen_ai.server.request.duration']) {
      const [p] = await reader.points(name);
      expect(p!.attributes['gen_ai.provider.name']).toBe('anthropic');
    }
  });
});

describe('providerFor', () => {
  it('prefers a well-known backend name, case-insensitively', () => {
    expect(providerFor('openai', 'AWS.Bedrock')).toBe('aws.bedrock');
    expect(providerFor('openai', 'gcp.vertex_ai')).toBe('gcp.vertex_ai');
    expect(providerFor('openai', 'azure.openai')).toBe('azure.openai');
    expect(providerFor('openai', 'gcp.gemini')).toBe('gcp.gemini');
    expect(providerFor('anthropic', 'openai')).toBe('openai');
    expect(providerFor('openai', 'backend-7')).toBe('openai');
    expect(providerFor('openai', undefined)).toBe('openai');
    expect(providerFor(undefined, undefined)).toBeUndefined();
  });
});
