/**
 * Ledger records for tests.
 */
import type { LedgerRecord } from '../../src/ledger/ledger-record.js';

let n = 0;

/** A record with plausible defaults; `over` replaces fields. */
export function ledgerRecord(over: Partial<LedgerRecord> = {}): LedgerRecord {
  n++;
  return {
    requestId: `req-${n}-${Math.random().toString(36).slice(2, 8)}`,
    ts: Date.UTC(2026, 0, 15, 12, 0, 0),
    traceId: 'trace-1',
    responseId: `resp-${n}`,
    project: 'team-a',
    keyId: '0123456789abcdef',
    rule: 'openai',
    backend: 'openai',
    provider: 'openai',
    api: 'openai.chat_completions',
    requestModel: 'gpt-4o',
    responseModel: 'gpt-4o-2024-08-06',
    stream: false,
    status: 200,
    errorType: null,
    inputTokens: 100,
    cachedInputTokens: 20,
    cacheWriteTokens: null,
    outputTokens: 50,
    reasoningTokens: null,
    totalTokens: 150,
    durationMs: 120,
    ttftMs: null,
    costUsd: 0.001,
    ...over,
  };
}
