/** Types for scripts/gen-json-validator.mjs (imported by test/gen-json-validator.test.ts). */

/** Where the committed module lives (src/apis/json-validator-wasm.ts). */
export declare const DEFAULT_OUT_FILE: string;
/** The module's binary, assembled from the text of scripts/json-validator-wat.mjs. */
export declare function assembleValidator(): Promise<Buffer>;
/** The TypeScript source of src/apis/json-validator-wasm.ts. */
export declare function generatedValidatorSource(): Promise<string>;
