/**
 * One ledger record: what a finished request cost and who made it. Built from the request's
 * outcome; written to the `ledger` table (see the migration in src/access/migrations.ts).
 */
import type { RequestOutcome } from '../hooks/outcome.js';
import { TOKEN_COLUMNS } from '../storage/token-columns.js';

/** A finished request, as the ledger stores it. Times are ms since epoch; durations ms. */
export interface LedgerRecord {
  readonly requestId: string;
  /** When the request finished. */
  readonly ts: number;
  readonly traceId: string | null;
  readonly responseId: string | null;
  readonly project: string | null;
  readonly keyId: string | null;
  readonly rule: string | null;
  readonly backend: string | null;
  readonly provider: string | null;
  readonly api: string | null;
  readonly requestModel: string | null;
  readonly responseModel: string | null;
  /**
   * The model name sent upstream when a backend renamed it (`modelNameOverride`); null when the
   * client's was sent. Absent in records spilled before the column existed.
   */
  readonly sentModel?: string | null;
  readonly stream: boolean;
  readonly status: number;
  readonly errorType: string | null;
  readonly inputTokens: number | null;
  readonly cachedInputTokens: number | null;
  readonly cacheWriteTokens: number | null;
  readonly outputTokens: number | null;
  readonly reasoningTokens: number | null;
  readonly totalTokens: number | null;
  readonly durationMs: number;
  readonly ttftMs: number | null;
  /** USD; null when the model has no price (or no price table is configured). */
  readonly costUsd: number | null;
}


/** Column names, in {@link recordValues} order. */
export const LEDGER_COLUMNS = [
  'request_id',
  'ts',
  'trace_id',
  'response_id',
  'project',
  'key_id',
  'rule',
  'backend',
  'provider',
  'api',
  'model',
  'response_model',
  'stream',
  'status',
  'error_type',
  ...TOKEN_COLUMNS,
  'duration_ms',
  'ttft_ms',
  'cost_usd',
  'sent_model',
] as const;

/** The record's column values, in {@link LEDGER_COLUMNS} order. */
export function recordValues(r: LedgerRecord): unknown[] {
  return [
    r.requestId,
    r.ts,
    r.traceId,
    r.responseId,
    r.project,
    r.keyId,
    r.rule,
    r.backend,
    r.provider,
    r.api,
    r.requestModel,
    r.responseModel,
    r.stream ? 1 : 0,
    r.status,
    r.errorType,
    r.inputTokens,
    r.cachedInputTokens,
    r.cacheWriteTokens,
    r.outputTokens,
    r.reasoningTokens,
    r.totalTokens,
    r.durationMs,
    r.ttftMs,
    r.costUsd,
    r.sentModel ?? null,
  ];
}

function countOrNull(n: number | undefined): number | null {
  return typeof n === 'number' && Number.isFinite(n) && n >= 0 ? Math.round(n) : null;
}

/** Where the parts of a record the outcome lacks come from. */
export interface RecordContext {
  readonly now: number;
  /** A request id for outcomes without one. */
  readonly newId: () => string;
}

/** The ledger record of a finished request. */
export function recordFromOutcome(o: RequestOutcome, ctx: RecordContext): LedgerRecord {
  const u = o.info?.usage ?? {};
  const input = countOrNull(u.input);
  const output = countOrNull(u.output);
  const total = countOrNull(u.total) ?? (input !== null || output !== null ? (input ?? 0) + (output ?? 0) : null);
  return {
    requestId: o.requestId ?? ctx.newId(),
    ts: ctx.now,
    traceId: o.traceId ?? null,
    responseId: o.info?.responseId ?? null,
    project: o.key?.project ?? null,
    keyId: o.key?.id ?? null,
    rule: o.rule ?? null,
    backend: o.backend ?? null,
    provider: o.provider ?? null,
    api: o.api ?? null,
    requestModel: o.model ?? null,
    responseModel: o.info?.model ?? null,
    sentModel: o.sentModel ?? null,
    stream: o.stream,
    status: o.status,
    errorType: o.errorType ?? null,
    inputTokens: input,
    cachedInputTokens: countOrNull(u.cachedInput),
    cacheWriteTokens: countOrNull(u.cacheCreationInput),
    outputTokens: output,
    reasoningTokens: countOrNull(u.reasoning),
    totalTokens: total,
    durationMs: Math.round(o.durationMs * 1000) / 1000,
    ttftMs: o.ttftMs !== undefined ? Math.round(o.ttftMs * 1000) / 1000 : null,
    costUsd: typeof o.costUsd === 'number' && Number.isFinite(o.costUsd) ? o.costUsd : null,
  };
}

/** True when `v` looks like a record (spill-file lines are checked before replay). */
export function isLedgerRecord(v: unknown): v is LedgerRecord {
  const r = v as Partial<LedgerRecord> | null;
  return !!r && typeof r === 'object' && typeof r.requestId === 'string' && r.requestId.length > 0 && typeof r.ts === 'number' && typeof r.status === 'number';
}
