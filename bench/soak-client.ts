/**
 * Child process driving the soak: requests `from` … `to − 1` of the mix (soak-mix.ts) at a fixed
 * concurrency. Whole exchanges go over one ext_proc channel, as Envoy's would. Cancels go over a
 * second channel and resets over raw HTTP/2 connections, each replaced every
 * {@link ABRUPT_PER_CONNECTION} abrupt endings: Node's HTTP/2 rapid-reset protection would
 * otherwise close a session that resets streams this often, and the soak is about the
 * service's memory, not about that protection.
 */
import { createExtProcClient, type ExtProcClient } from '../test/harness/ext-proc-client.js';
import type { InboundReply } from '../test/harness/wire.js';
import { RawH2Connection } from '../test/support/raw-h2.js';
import { signalReady } from './children.js';
import { runExchange } from './exchange.js';
import { serveIpc } from './ipc.js';
import { soakKind, soakScripts, type SoakKind } from './soak-mix.js';

/** Abrupt endings (cancels, resets) per connection before it is replaced. */
export const ABRUPT_PER_CONNECTION = 400;

/** What a slice of the soak did. */
export interface SoakSliceResult {
  readonly requests: number;
  readonly byKind: Partial<Record<SoakKind, number>>;
  /** Whole exchanges that did not end as expected (status, reply kind). */
  readonly errors: number;
  readonly firstError?: string;
  readonly ms: number;
}

function main(): void {
  const scripts = soakScripts();
  let target = '';
  let client: ExtProcClient | undefined;
  let cancelClient: ExtProcClient | undefined;
  let cancels = 0;
  // The current raw connection, and how many resets are in flight on each (a retired one is
  // closed once its last reset is out).
  let raw: { conn: Promise<RawH2Connection>; inFlight: number; retired: boolean } | undefined;
  let resets = 0;

  const cancelChannel = (): ExtProcClient => {
    if (!cancelClient || cancels % ABRUPT_PER_CONNECTION === 0) {
      cancelClient?.close();
      cancelClient = createExtProcClient(target);
    }
    cancels++;
    return cancelClient;
  };
  const resetOnce = async (): Promise<void> => {
    if (!raw || resets % ABRUPT_PER_CONNECTION === 0) {
      const old = raw;
      raw = { conn: RawH2Connection.open(target), inFlight: 0, retired: false };
      if (old) {
        old.retired = true;
        if (old.inFlight === 0) (await old.conn).close();
      }
    }
    resets++;
    const mine = raw;
    mine.inFlight++;
    try {
      await (await mine.conn).sendThenReset(scripts.resetMessages);
    } finally {
      mine.inFlight--;
      if (mine.retired && mine.inFlight === 0) (await mine.conn).close();
    }
  };

  /** Request headers, their reply, then the client cancels (RST_STREAM), as Envoy does on a downstream reset. */
  const cancelAfterHeaders = async (): Promise<string | undefined> => {
    const call = cancelChannel().open();
    call.on('error', () => undefined);
    const replied = new Promise<InboundReply>((resolve, reject) => {
      call.once('data', resolve);
      call.once('status', (s: { code: number }) => reject(new Error(`status ${s.code} before the headers reply`)));
    });
    call.write(scripts.cancelFirst);
    try {
      await replied;
    } catch (err) {
      return (err as Error).message;
    }
    call.cancel();
    return undefined;
  };

  const one = async (i: number): Promise<{ kind: SoakKind; error?: string }> => {
    const kind = soakKind(i);
    if (kind === 'cancel') {
      const error = await cancelAfterHeaders();
      return error ? { kind, error } : { kind };
    }
    if (kind === 'reset') {
      try {
        await resetOnce();
      } catch (err) {
        return { kind, error: (err as Error).message };
      }
      return { kind };
    }
    const out = await runExchange(client!, scripts.exchanges[kind], undefined);
    // The unknown model is answered 404 at the body: that is its expected ending.
    const expected = kind === 'no-rule' ? !out.ok && /immediate response/.test(out.error ?? '') : out.ok;
    return expected ? { kind } : { kind, error: out.error ?? 'unexpected success' };
  };

  serveIpc({
    connect: (args: { target: string }) => {
      target = args.target;
      client?.close();
      client = createExtProcClient(target);
      return true;
    },
    run: async (args: { from: number; to: number; concurrency: number }): Promise<SoakSliceResult> => {
      const started = performance.now();
      const byKind: Partial<Record<SoakKind, number>> = {};
      let next = args.from;
      let errors = 0;
      let firstError: string | undefined;
      const worker = async (): Promise<void> => {
        while (next < args.to) {
          const r = await one(next++);
          byKind[r.kind] = (byKind[r.kind] ?? 0) + 1;
          if (r.error) {
            errors++;
            firstError ??= `${r.kind}: ${r.error}`;
          }
        }
      };
      await Promise.all(Array.from({ length: args.concurrency }, worker));
      return { requests: args.to - args.from, byKind, errors, ...(firstError ? { firstError } : {}), ms: performance.now() - started };
    },
    exit: async () => {
      client?.close();
      cancelClient?.close();
      if (raw) (await raw.conn).close();
      setImmediate(() => process.exit(0));
      return true;
    },
  });
  signalReady();
}

main();
