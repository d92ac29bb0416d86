/**
 * Starting the bench's child processes. A child runs the same form as its parent: the compiled
 * JavaScript in `bench/out/build/` (what `npm run bench` uses, see build.ts), or, when the parent
 * runs under `tsx`, the TypeScript sources through `node --import tsx` (handy while editing;
 * tsx's transform adds CPU on the hot path, so figures from it are not the reported ones).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { IpcClient } from './ipc.js';

/** A started child and its command channel. */
export interface Child {
  readonly process: ChildProcess;
  readonly ipc: IpcClient;
  /** Asks the child to exit and waits for it. */
  stop(): Promise<void>;
}

/** Options of {@link startChild}. */
export interface ChildOptions {
  /** Extra Node flags (e.g. `--cpu-prof`). `--expose-gc` is always given. */
  readonly nodeFlags?: readonly string[];
  /** Arguments after the script. */
  readonly args?: readonly string[];
}

/** True when this process runs the compiled bench (not the TypeScript sources under tsx). */
export const COMPILED = import.meta.url.endsWith('.js');

/** Forks `bench/<name>.js` (or `.ts` under tsx) with an IPC channel and waits for its `ready` message. */
export async function startChild(name: string, opts: ChildOptions = {}): Promise<Child> {
  const script = `${name}${COMPILED ? '.js' : '.ts'}`;
  const path = fileURLToPath(new URL(script, import.meta.url));
  const child = fork(path, [...(opts.args ?? [])], {
    execArgv: [...(COMPILED ? [] : ['--import', 'tsx']), '--expose-gc', ...(opts.nodeFlags ?? [])],
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ipc = new IpcClient(child);
  await new Promise<void>((resolve, reject) => {
    const onExit = (code: number | null): void => reject(new Error(`${script} exited with code ${code} before it was ready`));
    child.once('exit', onExit);
    child.once('error', reject);
    child.once('message', () => {
      child.off('exit', onExit);
      resolve();
    });
  });
  return {
    process: child,
    ipc,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      await ipc.call('exit').catch(() => undefined);
      await exited;
    },
  };
}

/** Tells the parent a child is ready (its first IPC message). */
export function signalReady(): void {
  process.send?.({ ready: true });
}
