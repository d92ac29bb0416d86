/**
 * A listener that cannot bind: which listener, which address, why, and how to change it (config
 * key, flag, environment variable) — one readable sentence instead of the socket error.
 */

/** The two listeners of the service. */
export type ListenerName = 'grpc' | 'admin';

const HOW_TO_CHANGE: Readonly<Record<ListenerName, { what: string; key: string; flag: string; env: string }>> = {
  grpc: { what: 'gRPC (ext_proc) listener', key: 'grpc.address', flag: '--grpc-address', env: 'LLM_EXTPROC_GRPC_ADDRESS' },
  admin: { what: 'admin HTTP listener', key: 'admin.address', flag: '--admin-address', env: 'LLM_EXTPROC_ADMIN_ADDRESS' },
};

/** The socket error codes we can say something useful about. */
const REASONS: Readonly<Record<string, string>> = {
  EADDRINUSE: 'the address is already in use (another llm-extproc, or another program, is listening there)',
  EACCES: 'permission denied (ports below 1024 need privileges; pick a higher port)',
  EADDRNOTAVAIL: 'the host is not an address of this machine',
};

/** A listener failed to bind. The message names the listener, the address and how to change it. */
export class ListenError extends Error {
  constructor(
    readonly listener: ListenerName,
    readonly address: string,
    /** The socket error code (`EADDRINUSE`, …), when one was found. */
    readonly code: string | undefined,
    reason: string,
  ) {
    const how = HOW_TO_CHANGE[listener];
    super(`${how.what} cannot bind ${address}: ${reason}. Change ${how.key} in the config, or pass ${how.flag} (env ${how.env})`);
    this.name = 'ListenError';
  }
}

/**
 * The {@link ListenError} for a bind failure of `listener` on `address`. Understands Node's socket
 * errors (`err.code`) and grpc-js's wrapped message ("No address added … [listen EADDRINUSE: …]").
 */
export function listenErrorOf(listener: ListenerName, address: string, err: unknown): ListenError {
  const e = err as { code?: unknown; message?: unknown } | null;
  const text = typeof e?.message === 'string' ? e.message : String(err);
  const code = typeof e?.code === 'string' && REASONS[e.code] ? e.code : /\b(EADDRINUSE|EACCES|EADDRNOTAVAIL)\b/.exec(text)?.[1];
  const reason = code ? REASONS[code]! : (/\[([^\]]+)\]\s*$/.exec(text)?.[1] ?? text);
  return new ListenError(listener, address, code, reason);
}
