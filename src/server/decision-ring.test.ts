import { describe, expect, it } from 'vitest';
import type { RouteDecisionRecord } from '../hooks/outcome.js';
import { DecisionRing } from './decision-ring.js';

const decision = (model: string): RouteDecisionRecord => ({ model, rule: 'openai', outcome: 'routed', latencyMs: 1 });

describe('DecisionRing', () => {
  it('lists decisions newest first, with their time', () => {
    const ring = new DecisionRing(3);
    ring.push(decision('a'), Date.UTC(2025, 0, 1));
    ring.push(decision('b'), Date.UTC(2025, 0, 2));
    expect(ring.list()).toEqual([
      { ...decision('b'), at: '2025-01-02T00:00:00.000Z' },
      { ...decision('a'), at: '2025-01-01T00:00:00.000Z' },
    ]);
  });

  it('keeps only the last N, dropping the oldest', () => {
    const ring = new DecisionRing(3);
    for (const m of ['a', 'b', 'c', 'd', 'e']) ring.push(decision(m));
    expect(ring.list().map((d) => d.model)).toEqual(['e', 'd', 'c']);
    ring.push(decision('f'));
    expect(ring.list().map((d) => d.model)).toEqual(['f', 'e', 'd']);
  });

  it('is empty when new, and keeps nothing with capacity 0', () => {
    expect(new DecisionRing(5).list()).toEqual([]);
    const none = new DecisionRing(0);
    none.push(decision('a'));
    expect(none.list()).toEqual([]);
  });

  it('copies what it is given', () => {
    const ring = new DecisionRing(1);
    const d = { ...decision('a') };
    ring.push(d);
    (d as { model: string }).model = 'changed';
    expect(ring.list()[0]!.model).toBe('a');
  });

  it('resizes keeping the newest decisions, and goes on from there', () => {
    const ring = new DecisionRing(3);
    for (const m of ['a', 'b', 'c', 'd']) ring.push(decision(m));
    ring.resize(5);
    expect(ring.capacity).toBe(5);
    expect(ring.list().map((d) => d.model)).toEqual(['d', 'c', 'b']);
    for (const m of ['e', 'f', 'g']) ring.push(decision(m));
    expect(ring.list().map((d) => d.model)).toEqual(['g', 'f', 'e', 'd', 'c']);
    ring.resize(2);
    expect(ring.list().map((d) => d.model)).toEqual(['g', 'f']);
    ring.push(decision('h'));
    expect(ring.list().map((d) => d.model)).toEqual(['h', 'g']);
    ring.resize(0);
    ring.push(decision('i'));
    expect(ring.list()).toEqual([]);
  });
});
