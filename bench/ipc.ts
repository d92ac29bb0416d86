/**
 * Request/response over a child process's IPC channel: the parent sends `{ id, cmd, args }`,
 * the child answers `{ id, ok, result }` or `{ id, ok: false, error }`. Used between the bench
 * orchestrator and its server, client and micro-benchmark children.
 */
import type { ChildProcess } from 'node:child_process';

/** A command sent to a child. */
export interface IpcRequest {
  readonly id: number;
  readonly cmd: string;
  readonly args?: unknown;
}

/** A child's answer to one command. */
export type IpcResponse = { readonly id: number; readonly ok: true; readonly result: unknown } | { readonly id: number; readonly ok: false; readonly error: string };

/** A handler table of a child: command name → async function of its arguments. */
export type IpcHandlers = Record<string, (args: never) => unknown>;

/**
 * Serves `handlers` on this process's IPC channel (the child side). Every command gets exactly
 * one answer; a throwing handler answers with its message.
 */
export function serveIpc(handlers: IpcHandlers): void {
  if (!process.send) throw new Error('not started with an IPC channel (use child_process.fork)');
  process.on('message', (raw: unknown) => {
    const req = raw as IpcRequest;
    const handler = handlers[req.cmd];
    const answer = (res: IpcResponse): void => void process.send!(res);
    if (!handler) {
      answer({ id: req.id, ok: false, error: `unknown command ${req.cmd}` });
      return;
    }
    Promise.resolve()
      .then(() => (handler as (args: unknown) => unknown)(req.args))
      .then(
        (result) => answer({ id: req.id, ok: true, result }),
        (err: unknown) => answer({ id: req.id, ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) }),
      );
  });
}

/** The parent's side of one child: `call(cmd, args)` resolves with the child's result. */
export class IpcClient {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  constructor(private readonly child: ChildProcess) {
    child.on('message', (raw: unknown) => {
      const res = raw as IpcResponse;
      const p = this.pending.get(res.id);
      if (!p) return;
      this.pending.delete(res.id);
      if (res.ok) p.resolve(res.result);
      else p.reject(new Error(res.error));
    });
    child.on('exit', (code, signal) => {
      for (const p of this.pending.values()) p.reject(new Error(`child exited (code ${code}, signal ${signal}) before answering`));
      this.pending.clear();
    });
  }

  /** Sends a command and resolves with the child's result. */
  call<T>(cmd: string, args?: unknown): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.send({ id, cmd, args } satisfies IpcRequest);
    });
  }
}
