// Types of server.mjs, for the tests that start it.
import type { Server } from 'node:http';

/** Creates (does not start) the mock OpenAI-compatible chat completions server. */
export function createMockLlmServer(): Server;
