/**
 * Where clients put their credential, by API: the header (or query parameter) each provider's
 * own SDK sends. Used both to read a gateway key and to make sure no client credential reaches
 * a provider.
 */

/** Every request header a client SDK may carry a credential in (lower-case). */
export const CLIENT_CREDENTIAL_HEADERS: readonly string[] = ['authorization', 'x-api-key', 'api-key', 'x-goog-api-key'];

/** AWS SigV4 headers a client may have signed its own request with (replaced when we sign). */
export const AWS_SIGNING_HEADERS: readonly string[] = ['authorization', 'x-amz-date', 'x-amz-security-token', 'x-amz-content-sha256'];

/** The `key` query parameter (Gemini's API-key form) of a `:path`, or undefined. */
export function queryKey(path: string): string | undefined {
  const q = path.indexOf('?');
  if (q < 0) return undefined;
  return new URLSearchParams(path.slice(q + 1)).get('key') ?? undefined;
}

/**
 * `path` without its `key` query parameter (every occurrence), other parameters kept in order
 * and byte for byte. Returns `path` itself when it has none.
 */
export function withoutQueryKey(path: string): string {
  const q = path.indexOf('?');
  if (q < 0) return path;
  const parts = path.slice(q + 1).split('&');
  const kept = parts.filter((p) => {
    const name = p.split('=', 1)[0] ?? '';
    let decoded = name;
    try {
      decoded = decodeURIComponent(name.replace(/\+/g, ' '));
    } catch {
      // a malformed escape is not `key`
    }
    return decoded !== 'key';
  });
  if (kept.length === parts.length) return path;
  return kept.length === 0 ? path.slice(0, q) : `${path.slice(0, q)}?${kept.join('&')}`;
}

/** The credential headers present in `headers` (lower-case names). */
export function presentCredentialHeaders(headers: Readonly<Record<string, string>>, names: readonly string[] = CLIENT_CREDENTIAL_HEADERS): string[] {
  return names.filter((h) => headers[h] !== undefined);
}
