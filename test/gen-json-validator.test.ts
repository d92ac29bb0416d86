/**
 * The committed WebAssembly validator (src/apis/json-validator-wasm.ts) must be exactly what
 * scripts/gen-json-validator.mjs assembles from scripts/json-validator-wat.mjs today: after
 * changing the text, run `npm run gen:json-validator` and commit the result.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_OUT_FILE, generatedValidatorSource } from '../scripts/gen-json-validator.mjs';

describe('generated JSON validator (src/apis/json-validator-wasm.ts)', () => {
  it('matches what the generator assembles now (regenerate: npm run gen:json-validator)', async () => {
    expect(readFileSync(DEFAULT_OUT_FILE, 'utf8')).toBe(await generatedValidatorSource());
  });
});
