import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { describe, expect, it } from 'vitest';
import { renderError } from '../apis/error-body.js';
import { BREAKER_STATE_METRIC, BREAKER_TRANSITIONS_METRIC, BackendsUnavailableError, BreakerBoard, type BreakerBoardPolicy } from './breaker-board.js';

const POLICY: BreakerBoardPolicy = { enabled: true, failureThreshold: 2, cooldownMs: 5000, failureStatuses: [429, 500, 502, 503, 504] };

function setup(policy = POLICY) {
  let t = 1_000_000;
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60_000 });
  const provider = new MeterProvider({ readers: [reader] });
  const board = new BreakerBoard({ policy, meter: provider.getMeter('t'), now: () => t });
  const metric = async (name: string) => {
    await reader.forceFlush();
    const all = exporter.getMetrics().flatMap((r) => r.scopeMetrics.flatMap((s) => s.metrics));
    return all.filter((m) => m.descriptor.name === name).at(-1)?.dataPoints ?? [];
  };
  return { board, advance: (ms: number) => void (t += ms), metric, provider };
}

describe('BreakerBoard', () => {
  it('admits every backend while all are closed', () => {
    const { board } = setup();
    expect(board.admit(['openai', 'azure'])).toEqual({ kind: 'all' });
  });

  it('counts failure statuses per backend; other statuses are successes', () => {
    const { board } = setup();
    board.observe('openai', 503);
    board.observe('openai', 400); // the backend answered: a success
    board.observe('openai', 429);
    expect(board.snapshot()['openai']).toMatchObject({ state: 'closed', consecutiveFailures: 1 });
    board.observe('openai', 500);
    expect(board.snapshot()['openai']?.state).toBe('open');
  });

  it('skips an open backend when the rule has another', () => {
    const { board } = setup();
    board.observe('openai', 500);
    board.observe('openai', 500);
    expect(board.admit(['openai', 'azure', 'anthropic'])).toEqual({ kind: 'some', backends: ['azure', 'anthropic'] });
  });

  it('answers none, with the shortest wait, when every backend is open', () => {
    const { board, advance } = setup();
    for (const s of [500, 500]) board.observe('openai', s);
    advance(2000);
    board.observeNoResponse('azure');
    board.observeNoResponse('azure');
    expect(board.admit(['openai', 'azure'])).toEqual({ kind: 'none', retryAfterSeconds: 3 });
  });

  it('lets one probe through after the cooldown, and closes on its success', () => {
    const { board, advance } = setup();
    board.observe('openai', 502);
    board.observe('openai', 502);
    advance(5000);
    expect(board.admit(['openai', 'azure'])).toEqual({ kind: 'all' }); // the probe
    expect(board.admit(['openai', 'azure'])).toEqual({ kind: 'some', backends: ['azure'] }); // probe out
    board.observe('openai', 200);
    expect(board.admit(['openai', 'azure'])).toEqual({ kind: 'all' });
    expect(board.snapshot()['openai']?.state).toBe('closed');
  });

  it('does nothing when disabled', () => {
    const { board } = setup({ ...POLICY, enabled: false });
    for (let i = 0; i < 10; i++) board.observe('openai', 500);
    expect(board.admit(['openai'])).toEqual({ kind: 'all' });
    expect(board.snapshot()).toEqual({});
  });

  it('exports the state per backend and counts transitions', async () => {
    const { board, advance, metric, provider } = setup();
    board.observe('openai', 500);
    board.observe('openai', 500);
    board.observe('azure', 200);
    const states = Object.fromEntries((await metric(BREAKER_STATE_METRIC)).map((p) => [p.attributes['backend'], p.value]));
    expect(states).toEqual({ openai: 2, azure: 0 });
    advance(5000);
    board.observe('openai', 200);
    const moves = (await metric(BREAKER_TRANSITIONS_METRIC)).map((p) => [p.attributes['from'], p.attributes['to'], p.value]);
    expect(moves).toEqual([
      ['closed', 'open', 1],
      ['open', 'half_open', 1],
      ['half_open', 'closed', 1],
    ]);
    await provider.shutdown();
  });
});

describe('BackendsUnavailableError', () => {
  it('is a 503 in the client API shape with retry-after', () => {
    const err = new BackendsUnavailableError('chat', 7);
    expect(err.status).toBe(503);
    expect(err.replyHeaders).toEqual({ 'retry-after': '7' });
    const rendered = renderError('anthropic', err);
    expect(JSON.parse(rendered.body.toString())).toMatchObject({ type: 'error', error: { message: expect.stringContaining('chat') } });
  });
});
