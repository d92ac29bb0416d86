/**
 * A copy of a config safe to show: secret values (API keys, credential literals, tokens)
 * replaced by `[redacted]`; file and env names kept so operators can see where secrets come from.
 */
import type { Config } from './schema.js';

const SECRET_KEYS = new Set(['key', 'credentialFileLiteral', 'accessToken', 'token', 'password', 'secret', 'adminToken']);

/**
 * Key names that look like they hold a secret, wherever they appear (module `options` are free-form:
 * `{ apiKey: "sk-…" }` there must not be shown either). Names of files and env variables are kept.
 */
const SECRET_NAME = /(?:api[-_]?key|secret|passw(?:or)?d|token|credential|private[-_]?key|authorization)/i;
const LOCATION_NAME = /(?:file(?:name)?|path|env|header(?:name)?)$/i;

function isSecret(key: string, value: unknown): boolean {
  if (value === undefined) return false;
  if (SECRET_KEYS.has(key)) return true;
  return typeof value === 'string' && SECRET_NAME.test(key) && !LOCATION_NAME.test(key);
}

function redact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redact);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = isSecret(k, v) ? '[redacted]' : redact(v);
    return out;
  }
  return value;
}

/** Returns a redacted deep copy of `config`. */
export function redactConfig(config: Config): unknown {
  return redact(config);
}
