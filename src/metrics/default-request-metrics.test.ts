import { describe, expect, it } from 'vitest';
import { DefaultRequestMetrics } from './default-request-metrics.js';
import type { RequestMetrics } from './request-metrics.js';

function recorder(): { calls: unknown[][]; hooks: RequestMetrics } {
  const calls: unknown[][] = [];
  const rec = (name: string) => (...args: unknown[]) => void calls.push([name, ...args]);
  return {
    calls,
    hooks: {
      startRequest: rec('startRequest'),
      setModel: rec('setModel'),
      setBackend: rec('setBackend'),
      setStream: rec('setStream'),
      setResponseModel: rec('setResponseModel'),
      recordTokenUsage: rec('recordTokenUsage'),
      recordRequestCompletion: rec('recordRequestCompletion'),
      recordTokenLatency: rec('recordTokenLatency'),
    },
  };
}

describe('DefaultRequestMetrics', () => {
  it('forwards every hook with its arguments', () => {
    const { calls, hooks } = recorder();
    const m = new DefaultRequestMetrics(hooks);
    const start = { api: 'openai.chat_completions', operation: 'chat', provider: 'openai' };
    m.startRequest({ a: '1' }, start);
    m.setModel('gpt-4o');
    m.setBackend('openai', 'b');
    m.setStream(true);
    m.setResponseModel('gpt-4o-2024');
    m.recordTokenUsage({ input: 1 }, { x: 1 });
    m.recordTokenLatency(3, { endOfStream: true });
    m.recordRequestCompletion(false, { 'error.type': 'e' });
    expect(calls).toEqual([
      ['startRequest', { a: '1' }, start],
      ['setModel', 'gpt-4o'],
      ['setBackend', 'openai', 'b'],
      ['setStream', true],
      ['setResponseModel', 'gpt-4o-2024'],
      ['recordTokenUsage', { input: 1 }, { x: 1 }],
      ['recordTokenLatency', 3, { endOfStream: true }],
      ['recordRequestCompletion', false, { 'error.type': 'e' }],
    ]);
  });

  it('lets a subclass add to a hook and keep the inner one', () => {
    const { calls, hooks } = recorder();
    const seen: string[] = [];
    class Counting extends DefaultRequestMetrics {
      override setModel(model: string): void {
        seen.push(model);
        super.setModel(model);
      }
    }
    new Counting(hooks).setModel('m');
    expect(seen).toEqual(['m']);
    expect(calls).toEqual([['setModel', 'm']]);
  });

  it('tolerates inner hooks without the optional setResponseModel and setStream', () => {
    const { hooks } = recorder();
    const { setResponseModel: _, setStream: __, ...withoutOptional } = hooks;
    expect(() => new DefaultRequestMetrics(withoutOptional).setResponseModel('m')).not.toThrow();
    expect(() => new DefaultRequestMetrics(withoutOptional).setStream(true)).not.toThrow();
  });
});
