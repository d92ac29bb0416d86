/**
 * Child process for the in-process benchmarks (model extraction, SSE parsing), one per
 * scenario so neither warms or pollutes the other's heap and JIT state.
 */
import { signalReady } from './children.js';
import { checkCorpus, timeExtraction } from './extraction-bench.js';
import type { BodyShape } from './bodies.js';
import { serveIpc } from './ipc.js';
import { timeSse } from './sse-bench.js';

serveIpc({
  extraction: (args: { shapes: BodyShape[]; size?: number; rounds?: number; batchMs?: number }) =>
    args.shapes.map((shape) => timeExtraction(shape, args.size, args)),
  corpus: (args: { rounds?: number; batchMs?: number }) => checkCorpus(args),
  sse: (args: { events?: number; rounds?: number; batchMs?: number }) => timeSse(args.events, args),
  exit: () => {
    setImmediate(() => process.exit(0));
    return true;
  },
});
signalReady();
