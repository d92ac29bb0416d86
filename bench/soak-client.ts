/**
 * Child process driving the soak: requests `from` … `to − 1` of the mix (soak-mix.ts) at a fixed
 * concurrency, all on one ext_proc channel as Envoy's would be — whole exchanges and cancels
 * alike (grpc-js would put a second channel to the same target on the same HTTP/2 connection
 * anyway). Resets go over one raw HTTP/2 connection of their own (test/support/raw-h2.ts), the
 * only way to put a RST_STREAM in the same TCP write as the stream's first messages.
 */
import { createExtProcClient, type ExtProcClient } from '../test/harness/ext-proc-client.js';
import type { InboundReply } from '../test/harness/wire.js';
import { RawH2Connection } from '../test/support/raw-h2.js';
import { signalReady } from './children.js';
import { runExchange } from './exchange.js';
import { serveIpc } from './ipc.js';
import { soakKind, soakScripts, type SoakKind } from './soak-mix.js';

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
  let client: ExtProcClient | undefined;
  let raw: Promise<RawH2Connection> | undefined;

  /** Request headers, their reply, then the client cancels (RST_STREAM), as Envoy does on a downstream reset. */
  const cancelAfterHeaders = async (): Promise<string | undefined> => {
    const call = client!.open();
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
        await (await raw!).sendThenReset(scripts.resetMessages);
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
    connect: async (args: { target: string }) => {
      client?.close();
      client = createExtProcClient(args.target);
      raw = RawH2Connection.open(args.target);
      await raw;
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
      if (raw) (await raw).close();
      setImmediate(() => process.exit(0));
      return true;
    },
  });
  signalReady();
}

main();
