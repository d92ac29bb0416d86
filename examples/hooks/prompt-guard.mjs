// Example hook module: a first guardrail. Refuses requests whose prompt text matches one of the
// configured patterns with a 400 in the client API's own error shape (OpenAI clients get
// {"error":{...}}, Anthropic clients {"type":"error",...}), before the provider is called.
//
// Config (see examples/config/hooks.yaml):
//   hooks:
//     - module: ../hooks/prompt-guard.mjs
//       options: { patterns: ["(?i)ignore (all|previous) instructions", "\\b\\d{3}-\\d{2}-\\d{4}\\b"] }
//
// Plain JavaScript, so the service loads it as shipped; the JSDoc types come from the package.
import { z } from 'zod';

/** Options, checked when the config loads (a bad pattern is a config error, not a runtime one). */
export const optionsSchema = z.strictObject({
  /** Regular expressions; a leading `(?i)` makes one case-insensitive. */
  patterns: z
    .array(z.string().min(1))
    .min(1)
    .refine((ps) => ps.every((p) => compiles(p)), 'every pattern must be a valid regular expression'),
  /** The error code clients see. */
  code: z.string().min(1).default('prompt_refused'),
});

function compiles(pattern) {
  try {
    toRegExp(pattern);
    return true;
  } catch {
    return false;
  }
}

function toRegExp(pattern) {
  return pattern.startsWith('(?i)') ? new RegExp(pattern.slice(4), 'i') : new RegExp(pattern);
}

/** Fields that hold prompt text in the APIs llm-extproc serves (OpenAI, Anthropic, Gemini, Bedrock). */
const TEXT_KEYS = new Set(['content', 'text', 'prompt', 'input', 'system', 'instructions']);

/** Every string under a prompt-text key, however deeply nested (message parts, Gemini parts). */
function* promptTexts(value, underTextKey = false) {
  if (typeof value === 'string') {
    if (underTextKey) yield value;
    return;
  }
  if (Array.isArray(value)) {
    for (const v of value) yield* promptTexts(v, underTextKey);
    return;
  }
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) yield* promptTexts(v, underTextKey || TEXT_KEYS.has(k));
  }
}

/** @type {import('llm-extproc').HookFactory<{ patterns: string[]; code: string }>} */
export default function createPromptGuard({ options, logger }) {
  const patterns = options.patterns.map(toRegExp);
  return {
    name: 'prompt-guard',
    onRequest(req) {
      if ((req.kind !== 'routed' && req.kind !== 'unrouted') || !req.body?.length) return undefined;
      let json;
      try {
        json = JSON.parse(req.body.toString('utf8'));
      } catch {
        return undefined; // not JSON (multipart audio): nothing to read
      }
      for (const text of promptTexts(json)) {
        const hit = patterns.findIndex((p) => p.test(text));
        if (hit >= 0) {
          logger.info({ pattern: hit, rule: req.rule, requestId: req.requestId }, 'prompt refused');
          return { answer: { status: 400, code: options.code, message: 'the prompt contains text this gateway does not accept' } };
        }
      }
      return undefined;
    },
  };
}
