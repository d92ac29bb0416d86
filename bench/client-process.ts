/**
 * Child process running the load client, so the client's CPU never counts as the server's.
 * One ext_proc client (one HTTP/2 channel, 64 MiB message limit, the test harness's client)
 * drives whichever server the orchestrator points it at.
 */
import { createExtProcClient, type ExtProcClient } from '../test/harness/ext-proc-client.js';
import type { InboundReply } from '../test/harness/wire.js';
import { signalReady } from './children.js';
import { runExchange } from './exchange.js';
import { serveIpc } from './ipc.js';
import { closedLoop, IdleStreams, openLoop } from './load-patterns.js';
import { buildScript, type ScriptSpec } from './scripts.js';

/** A short, comparable description of the replies of one exchange (for sanity checks). */
export interface ReplySummary {
  readonly kind: string | undefined;
  readonly setHeaders: string[];
  readonly modeOverride: string | undefined;
  readonly dynamicMetadata: boolean;
}

function summarise(reply: InboundReply): ReplySummary {
  const r = reply as unknown as Record<string, { response?: { headerMutation?: { setHeaders?: Array<{ header?: { key?: string } }> } } } | undefined>;
  const kind = reply.response;
  const common = kind ? r[kind]?.response : undefined;
  return {
    kind,
    setHeaders: (common?.headerMutation?.setHeaders ?? []).map((h) => h.header?.key ?? ''),
    modeOverride: reply.modeOverride?.responseBodyMode ?? undefined,
    dynamicMetadata: reply.dynamicMetadata !== null && reply.dynamicMetadata !== undefined,
  };
}

function main(): void {
  let client: ExtProcClient | undefined;
  const idle = new IdleStreams();
  const cache = new Map<string, ReturnType<typeof buildScript>>();
  const script = (spec: ScriptSpec): ReturnType<typeof buildScript> => {
    const key = JSON.stringify(spec);
    let s = cache.get(key);
    if (!s) {
      s = buildScript(spec);
      cache.set(key, s);
    }
    return s;
  };
  const connected = (): ExtProcClient => {
    if (!client) throw new Error('connect first');
    return client;
  };

  serveIpc({
    connect: (args: { target: string }) => {
      client?.close();
      client = createExtProcClient(args.target);
      return true;
    },
    /** One exchange with its replies summarised (first two and last two), to check what the server did. */
    validate: async (args: { script: ScriptSpec }) => {
      const out = await runExchange(connected(), script(args.script), undefined, { keepReplies: true });
      const replies = out.replies ?? [];
      return { ok: out.ok, error: out.error, count: replies.length, replies: replies.map(summarise).filter((_, i) => i < 3 || i >= replies.length - 1) };
    },
    closed: (args: { script: ScriptSpec; concurrency: number; count?: number; durationMs?: number; record?: boolean }) =>
      closedLoop(connected(), script(args.script), args),
    open: (args: { script: ScriptSpec; rate: number; durationMs: number }) => openLoop(connected(), script(args.script), args),
    openIdle: (args: { count: number }) => idle.open(connected(), script({ kind: 'chat', bodySize: 1024 })[0]!, args.count),
    closeIdle: () => idle.closeAll(),
    exit: () => {
      client?.close();
      setImmediate(() => process.exit(0));
      return true;
    },
  });
  signalReady();
}

main();
