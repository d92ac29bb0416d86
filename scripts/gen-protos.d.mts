/** Types for scripts/gen-protos.mjs (imported by test/gen-drift.test.ts). */

/** Repository root; the generator runs there. */
export declare const REPO_ROOT: string;
/** Where the committed generated types live (src/gen). */
export declare const DEFAULT_OUT_DIR: string;
/** Proto entry points relative to protos/; must equal PROTO_FILES of src/envoy/protos.ts. */
export declare const GEN_PROTO_FILES: readonly string[];
/** proto-loader-gen-types flags matching LOADER_OPTIONS. */
export declare const GEN_FLAGS: readonly string[];
/** Replaces `outDir` (absolute, outside the repository root) with freshly generated types. */
export declare function generateProtoTypes(outDir: string): void;
