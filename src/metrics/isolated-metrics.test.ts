import { describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { AggregationTemporality, MeterProvider, MetricReader, type DataPoint } from '@opentelemetry/sdk-metrics';
import { HOOK_ERRORS_COUNTER, isolateMetrics } from './isolated-metrics.js';
import type { RequestMetrics, RequestMetricsFactory } from './request-metrics.js';

class TestReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
  async errorsByHook(): Promise<Record<string, number>> {
    const { resourceMetrics } = await this.collect();
    const out: Record<string, number> = {};
    for (const sm of resourceMetrics.scopeMetrics) {
      for (const m of sm.metrics) {
        if (m.descriptor.name !== HOOK_ERRORS_COUNTER) continue;
        for (const p of m.dataPoints as Array<DataPoint<number>>) out[String(p.attributes['hook'])] = p.value;
      }
    }
    return out;
  }
}

function setup(inner: RequestMetricsFactory, logIntervalMs = 60_000) {
  const reader = new TestReader();
  const provider = new MeterProvider({ readers: [reader] });
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
      cb();
    },
  });
  let now = 0;
  const factory = isolateMetrics(inner, {
    meter: provider.getMeter('test'),
    logger: pino({ level: 'info' }, stream),
    logIntervalMs,
    now: () => now,
  });
  return { reader, factory, lines, advance: (ms: number) => (now += ms) };
}

/** Records calls; throws from the hooks named in `throwing`. */
function recordingFactory(throwing: ReadonlySet<string> = new Set()): { factory: RequestMetricsFactory; calls: string[] } {
  const calls: string[] = [];
  const hook =
    (name: string) =>
    (...args: unknown[]): void => {
      calls.push(`${name}(${args.map((a) => JSON.stringify(a)).join(',')})`);
      if (throwing.has(name)) throw new Error(`${name} exploded`);
    };
  const factory: RequestMetricsFactory = {
    newRequest: () => ({
      startRequest: hook('startRequest'),
      setModel: hook('setModel'),
      setBackend: hook('setBackend'),
      setStream: hook('setStream'),
      setResponseModel: hook('setResponseModel'),
      recordTokenUsage: hook('recordTokenUsage'),
      recordRequestCompletion: hook('recordRequestCompletion'),
      recordTokenLatency: hook('recordTokenLatency'),
    }),
  };
  return { factory, calls };
}

function exercise(m: RequestMetrics): void {
  m.startRequest({ a: 'b' }, { api: 'x', operation: 'chat', provider: 'openai' });
  m.setModel('gpt');
  m.setBackend('rule', 'openai');
  m.setStream?.(false);
  m.setResponseModel?.('gpt-1');
  m.recordTokenUsage({ input: 1 });
  m.recordTokenLatency(2, { endOfStream: true });
  m.recordRequestCompletion(true);
}

describe('isolateMetrics', () => {
  it('forwards every hook call with its arguments', () => {
    const { factory: inner, calls } = recordingFactory();
    const { factory } = setup(inner);
    exercise(factory.newRequest());
    expect(calls).toEqual([
      'startRequest({"a":"b"},{"api":"x","operation":"chat","provider":"openai"})',
      'setModel("gpt")',
      'setBackend("rule","openai")',
      'setStream(false)',
      'setResponseModel("gpt-1")',
      'recordTokenUsage({"input":1},)', // attrs passed through as undefined
      'recordTokenLatency(2,{"endOfStream":true})',
      'recordRequestCompletion(true,)',
    ]);
  });

  it('catches throwing hooks, keeps calling the others, and counts errors by hook', async () => {
    const { factory: inner, calls } = recordingFactory(new Set(['setModel', 'recordTokenUsage']));
    const { factory, reader } = setup(inner);
    for (let i = 0; i < 3; i++) expect(() => exercise(factory.newRequest())).not.toThrow();
    expect(calls.filter((c) => c.startsWith('recordRequestCompletion'))).toHaveLength(3);
    expect(await reader.errorsByHook()).toEqual({ setModel: 3, recordTokenUsage: 3 });
  });

  it('logs the first error per hook per interval, then again after the interval with the suppressed count', async () => {
    const { factory: inner } = recordingFactory(new Set(['setModel']));
    const { factory, lines, advance } = setup(inner, 60_000);
    for (let i = 0; i < 1000; i++) factory.newRequest().setModel('m');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ hook: 'setModel', suppressed: 0, err: { message: 'setModel exploded' } });
    advance(59_999);
    factory.newRequest().setModel('m');
    expect(lines).toHaveLength(1);
    advance(1);
    factory.newRequest().setModel('m');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatchObject({ hook: 'setModel', suppressed: 1000 });
  });

  it('catches rejected promises without awaiting them', async () => {
    let resolveLater!: () => void;
    const slow = new Promise<void>((r) => (resolveLater = r));
    let rejectLater!: (e: Error) => void;
    const failing = new Promise<void>((_r, rej) => (rejectLater = rej));
    const inner: RequestMetricsFactory = {
      newRequest: () => ({
        startRequest: () => slow as unknown as void,
        setModel: () => failing as unknown as void,
        setBackend: () => {},
        recordTokenUsage: () => {},
        recordRequestCompletion: () => {},
        recordTokenLatency: () => {},
      }),
    };
    const { factory, reader, lines } = setup(inner);
    const m = factory.newRequest();
    expect(m.startRequest({})).toBeUndefined(); // returns at once although the hook's promise is pending
    m.setModel('x');
    rejectLater(new Error('async failure'));
    await failing.catch(() => {});
    await new Promise<void>((r) => setImmediate(r));
    expect(await reader.errorsByHook()).toEqual({ setModel: 1 });
    expect(lines[0]).toMatchObject({ hook: 'setModel', err: { message: 'async failure' } });
    resolveLater();
  });

  it('gives no-op hooks when newRequest throws or returns a non-object', async () => {
    const throwing: RequestMetricsFactory = {
      newRequest: () => {
        throw new Error('factory broken');
      },
    };
    const { factory, reader } = setup(throwing);
    const m = factory.newRequest();
    expect(() => exercise(m)).not.toThrow();
    const nullish = setup({ newRequest: () => null as unknown as RequestMetrics });
    expect(() => exercise(nullish.factory.newRequest())).not.toThrow();
    expect(await reader.errorsByHook()).toEqual({ newRequest: 1 });
    expect(await nullish.reader.errorsByHook()).toEqual({ newRequest: 1 });
  });

  it('counts a missing hook method as a failure of that hook; an absent optional setResponseModel is fine', async () => {
    const partial = { newRequest: () => ({ startRequest: () => {} }) as unknown as RequestMetrics };
    const { factory, reader } = setup(partial);
    exercise(factory.newRequest());
    expect(await reader.errorsByHook()).toEqual({
      setModel: 1,
      setBackend: 1,
      recordTokenUsage: 1,
      recordTokenLatency: 1,
      recordRequestCompletion: 1,
    });
  });
});
