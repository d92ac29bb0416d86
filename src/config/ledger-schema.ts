/**
 * Config for the usage ledger (`ledger`), request prices (`pricing`) and spend budgets
 * (`budgets`). See docs/ledger.md.
 */
import { z } from 'zod';

/** The usage ledger: one record per finished request, written in batches to the access store. */
export const ledgerSchema = z
  .strictObject({
    /** Write the ledger (opens the access store's database). */
    enabled: z.boolean().default(false),
    /** Request header carrying the caller's session/trace id (lower-cased); else the body's session metadata, else the W3C trace id. */
    traceHeader: z
      .string()
      .min(1)
      .transform((s) => s.toLowerCase())
      .optional(),
    /** Append-only JSONL file records go to while the store is down or the queue is full; relative to the config file. */
    spillPath: z.string().min(1).default('./llm-extproc-ledger.spill.jsonl'),
    /** Records held in memory before they spill. */
    maxQueue: z.number().int().positive().default(10_000),
    /** Records per INSERT. */
    batchSize: z.number().int().positive().max(1_000).default(500),
    /** How often queued records are written. */
    flushIntervalMs: z.number().int().positive().default(1_000),
    /** How often budget spend is re-read from the database (replicas converge within this). */
    budgetSyncIntervalMs: z.number().int().positive().default(10_000),
  })
  .prefault({});

/** Where request prices come from. */
export const pricingSchema = z
  .strictObject({
    /** Price table YAML (relative to the config file); reloaded with the config. */
    file: z.string().min(1).optional(),
  })
  .prefault({});

/** One spend budget over a calendar window (UTC). */
export const budgetSchema = z
  .strictObject({
    /** Applies to this project (all its keys together). */
    project: z.string().min(1).optional(),
    /** Applies to this key id. */
    key: z.string().min(1).optional(),
    window: z.enum(['day', 'month']),
    maxTokens: z.number().int().positive().optional(),
    maxCostUsd: z.number().positive().optional(),
  })
  .refine((b) => b.maxTokens !== undefined || b.maxCostUsd !== undefined, 'a budget needs maxTokens or maxCostUsd');

/** Parsed `ledger`. */
export type LedgerConfig = z.infer<typeof ledgerSchema>;
/** Parsed `budgets[]` entry. */
export type BudgetConfig = z.infer<typeof budgetSchema>;
