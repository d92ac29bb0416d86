/**
 * A copy of a config safe to show: secret values (API keys, credential literals, tokens)
 * replaced by `[redacted]`; file and env names kept so operators can see where secrets come from.
 */
import type { Config } from './schema.js';

const SECRET_KEYS = new Set(['key', 'credentialFileLiteral', 'accessToken', 'token', 'password', 'secret', 'adminToken']);

function redact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redact);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEYS.has(k) && v !== undefined ? '[redacted]' : redact(v);
    return out;
  }
  return value;
}

/** Returns a redacted deep copy of `config`. */
export function redactConfig(config: Config): unknown {
  return redact(config);
}
