/**
 * Reads the gateway key a client presented, from where its own SDK sends an API key: OpenAI and
 * compatible `Authorization: Bearer`, Anthropic `x-api-key`, Gemini `x-goog-api-key` or `?key=`,
 * Azure OpenAI `api-key`. The API's own place is tried first, then any other.
 */
import { queryKey } from '../credentials/client-credentials.js';

/** Where a key may be. */
export type KeySource = 'authorization' | 'x-api-key' | 'x-goog-api-key' | 'api-key' | 'query';

const ALL: readonly KeySource[] = ['authorization', 'x-api-key', 'x-goog-api-key', 'api-key', 'query'];

/** The places to look, the API's own first, by `gen_ai.provider.name` of the detected API. */
export function keySources(provider: string | undefined): readonly KeySource[] {
  const first: KeySource[] =
    provider === 'anthropic'
      ? ['x-api-key']
      : provider === 'azure.openai'
        ? ['api-key']
        : provider?.startsWith('gcp.')
          ? ['x-goog-api-key', 'query']
          : ['authorization'];
  return [...first, ...ALL.filter((s) => !first.includes(s))];
}

function read(source: KeySource, headers: Readonly<Record<string, string>>, path: string): string | undefined {
  if (source === 'query') return queryKey(path);
  const v = headers[source];
  if (v === undefined) return undefined;
  if (source === 'authorization') {
    // Only a Bearer token is a key; an AWS signature or Basic credentials are not.
    const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(v);
    return m ? m[1] : undefined;
  }
  return v.trim() || undefined;
}

/** The presented key, or undefined when the request carries none. */
export function presentedKey(headers: Readonly<Record<string, string>>, path: string, provider: string | undefined): string | undefined {
  for (const source of keySources(provider)) {
    const v = read(source, headers, path);
    if (v) return v;
  }
  return undefined;
}
