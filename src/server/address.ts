/**
 * Listen addresses: `host:port`, `[ipv6]:port`, or `unix:/path/to.sock`.
 */

/** A parsed listen address. */
export type ListenAddress = { readonly kind: 'tcp'; readonly host: string; readonly port: number } | { readonly kind: 'unix'; readonly path: string };

/** Parses a listen address; throws with a clear message when it is not one. */
export function parseAddress(text: string): ListenAddress {
  if (text.startsWith('unix:')) {
    const path = text.slice('unix:'.length).replace(/^\/\/(?=\/)/, '');
    if (!path) throw new Error(`invalid address ${JSON.stringify(text)}: unix socket path is empty`);
    return { kind: 'unix', path };
  }
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(text);
  if (!m) throw new Error(`invalid address ${JSON.stringify(text)}: expected host:port, [ipv6]:port or unix:/path`);
  const port = Number(m[3]);
  if (port > 65535) throw new Error(`invalid address ${JSON.stringify(text)}: port out of range`);
  return { kind: 'tcp', host: m[1] ?? (m[2] || '0.0.0.0'), port };
}

/** The gRPC bind string for an address (`host:port`, `[v6]:port` or `unix:path`). */
export function grpcBindTarget(a: ListenAddress): string {
  if (a.kind === 'unix') return `unix:${a.path}`;
  return a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}
