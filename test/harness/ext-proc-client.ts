/**
 * The harness's ext_proc gRPC client: the one `llm-extproc replay` uses, re-exported so harness
 * code and tests keep their import path.
 */
export { createExtProcClient, MAX_MESSAGE_BYTES, type ExtProcClient } from '../../src/envoy/ext-proc-client.js';
