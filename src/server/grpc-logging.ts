/**
 * grpc-js writes its own errors to the console ("E No address added out of total 1 resolved …"),
 * beside the message we already give for the same failure. This hands them to our logger at
 * debug level instead, through grpc-js's own logger hook.
 */
import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';

/** Sends grpc-js's log output to `logger` (debug level), so it no longer writes to stderr itself. */
export function routeGrpcLogs(logger: Logger): void {
  const child = logger.child({ component: 'grpc-js' });
  const write = (...args: unknown[]) => child.debug(args.map(String).join(' '));
  grpc.setLogger({ error: write, info: write, debug: write });
}
