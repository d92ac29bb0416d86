/**
 * The usual integration setup in one call: a mock upstream for one rule and the Envoy-protocol
 * harness in front of the service, routing `x-ai-eg-selected-route: <rule>` to it, with
 * buffered bodies and mode override allowed (as the generated Envoy config does).
 */
import type { ServerResponse } from 'node:http';
import { startHarness, type Harness, type HarnessOptions } from '../harness/harness.js';
import { startMockUpstream, type MockUpstream, type UpstreamHandler } from '../harness/mock-upstream.js';

/** A harness and the one upstream behind it. */
export interface SingleRoute {
  readonly harness: Harness;
  readonly upstream: MockUpstream;
  /** Closes the harness, then the upstream. */
  close(): Promise<void>;
}

/** A handler answering every request 200 with `body` as JSON. */
export function jsonReply(body: string): UpstreamHandler {
  return (_req, res: ServerResponse) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(body);
  };
}

/** Starts the upstream (cassettes unless `handler`) and the harness for `rule` (default `openai`). */
export async function startSingleRoute(opts: {
  readonly processorAddress: string;
  readonly rule?: string;
  readonly handler?: UpstreamHandler;
  readonly harness?: Partial<Pick<HarnessOptions, 'bufferLimitBytes' | 'mode'>>;
}): Promise<SingleRoute> {
  const rule = opts.rule ?? 'openai';
  const upstream = await startMockUpstream(opts.handler ? { handler: opts.handler } : {});
  try {
    const harness = await startHarness({
      processorAddress: opts.processorAddress,
      mode: opts.harness?.mode ?? { requestBody: 'BUFFERED', responseBody: 'BUFFERED' },
      allowModeOverride: true,
      ...(opts.harness?.bufferLimitBytes !== undefined ? { bufferLimitBytes: opts.harness.bufferLimitBytes } : {}),
      routes: [{ header: 'x-ai-eg-selected-route', value: rule, upstream: rule }],
      upstreams: { [rule]: upstream },
    });
    return {
      harness,
      upstream,
      async close() {
        await harness.close();
        await upstream.close();
      },
    };
  } catch (err) {
    await upstream.close();
    throw err;
  }
}
