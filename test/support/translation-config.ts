/** A config text parsed the way the service loads it (for looking up generated cluster names in tests). */
import { configSchema, type Config } from '../../src/config/schema.js';
import { parse } from 'yaml';

/** `text` (YAML) validated into a {@link Config}. */
export function loadConfigText(text: string): Config {
  return configSchema.parse(parse(text));
}
