/**
 * The scenarios `bench:quick` re-measures and compares with the committed `bench/baseline.json`
 * (the full run writes that file from its rows of these scenarios).
 */
import { EXTRACTION_SHAPES } from './scenario-micro.js';
import { SCENARIO } from './rows.js';

/** Scenario names of the quick set. */
export const QUICK_SCENARIOS: readonly string[] = [
  SCENARIO.chat('1 KB'),
  SCENARIO.chat('100 KB'),
  ...EXTRACTION_SHAPES.map((s) => SCENARIO.extraction(s)),
  SCENARIO.corpus,
  SCENARIO.sse('one SSE chunk per push'),
  SCENARIO.sse('16 KB slices'),
];

/** A ratio this much worse than the baseline's is flagged. */
export const REGRESSION_THRESHOLD = 1.25;
