/**
 * Header lists and Envoy's rules for applying an ext_proc `HeaderMutation` to them.
 *
 * Facts followed (Envoy ext_proc filter, default `mutation_rules`):
 * - removals are applied before sets;
 * - pseudo-headers (`:…`) and `host` can never be removed;
 * - `host`, `:authority`, `:scheme`, `:method` and `x-envoy-*` cannot be changed by default;
 * - a set uses `raw_value` when it has bytes, else `value`; an empty value is dropped unless
 *   `keep_empty_value`;
 * - the deprecated `append` wins when present (true → append, false → overwrite, and it may not
 *   be combined with a non-default `append_action`); otherwise `append_action` decides.
 */
import type { HeaderList, HeaderMutationReply } from './wire.js';
import { headerValueOf } from './wire.js';

/** Connection-level headers that a proxy never forwards nor shows to filters. */
export const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'proxy-authenticate',
  'proxy-authorization',
]);

const ROUTING_HEADERS = new Set(['host', ':authority', ':scheme', ':method']);

/** First value of a header, or undefined. */
export function getHeader(headers: HeaderList, name: string): string | undefined {
  const lower = name.toLowerCase();
  return headers.find(([n]) => n === lower)?.[1];
}

/** Whether a header is present. */
export function hasHeader(headers: HeaderList, name: string): boolean {
  return getHeader(headers, name) !== undefined;
}

/** Removes every entry of a header, in place. */
export function removeHeader(headers: HeaderList, name: string): void {
  const lower = name.toLowerCase();
  for (let i = headers.length - 1; i >= 0; i--) if (headers[i]![0] === lower) headers.splice(i, 1);
}

/** Replaces every entry of a header with one value (kept at the first entry's place), in place. */
export function setHeader(headers: HeaderList, name: string, value: string): void {
  const lower = name.toLowerCase();
  const index = headers.findIndex(([n]) => n === lower);
  removeHeader(headers, lower);
  if (index < 0 || index > headers.length) headers.push([lower, value]);
  else headers.splice(index, 0, [lower, value]);
}

/** Result of applying one mutation. */
export interface MutationOutcome {
  /** True when at least one header changed. */
  readonly changed: boolean;
  /** Operations Envoy would reject and ignore, described for the exchange record. */
  readonly rejected: string[];
}

/** The part of Envoy's `mutation_rules` the harness plays: `allow_envoy` (x-envoy-* headers may change). */
export interface MutationRules {
  readonly allowEnvoy?: boolean;
}

/**
 * Applies a `HeaderMutation` in place, as Envoy's ext_proc filter does with default mutation
 * rules (or with `allow_envoy`). Rejected operations are skipped and reported.
 */
export function applyHeaderMutation(headers: HeaderList, mutation: HeaderMutationReply | undefined, rules: MutationRules = {}): MutationOutcome {
  const mayModify = (name: string): boolean => mayModifyName(name, rules);
  const rejected: string[] = [];
  let changed = false;
  if (!mutation) return { changed, rejected };
  for (const raw of mutation.removeHeaders ?? []) {
    const name = raw.toLowerCase();
    if (name.startsWith(':') || name === 'host' || !mayModify(name)) {
      rejected.push(`remove ${name}`);
      continue;
    }
    if (hasHeader(headers, name)) changed = true;
    removeHeader(headers, name);
  }
  for (const option of mutation.setHeaders ?? []) {
    const name = (option.header?.key ?? '').toLowerCase();
    if (!name || !mayModify(name) || /[\s:]/.test(name.slice(name.startsWith(':') ? 1 : 0))) {
      rejected.push(`set ${name || '(empty name)'}`);
      continue;
    }
    const value = option.header ? headerValueOf(option.header) : '';
    if (/[\r\n\0]/.test(value)) {
      rejected.push(`set ${name}: invalid value`);
      continue;
    }
    if (value === '' && !option.keepEmptyValue) {
      rejected.push(`set ${name}: empty value without keep_empty_value`);
      continue;
    }
    const action = appendActionOf(option.append?.value, option.appendAction);
    if (action === 'INVALID') {
      rejected.push(`set ${name}: both append and append_action`);
      continue;
    }
    const exists = hasHeader(headers, name);
    switch (name.startsWith(':') && action === 'APPEND_IF_EXISTS_OR_ADD' ? 'OVERWRITE_IF_EXISTS_OR_ADD' : action) {
      case 'APPEND_IF_EXISTS_OR_ADD':
        headers.push([name, value]);
        changed = true;
        break;
      case 'ADD_IF_ABSENT':
        if (!exists) {
          headers.push([name, value]);
          changed = true;
        }
        break;
      case 'OVERWRITE_IF_EXISTS':
        if (exists) {
          setHeader(headers, name, value);
          changed = true;
        }
        break;
      default:
        setHeader(headers, name, value);
        changed = true;
    }
  }
  return { changed, rejected };
}

type AppendAction = 'APPEND_IF_EXISTS_OR_ADD' | 'ADD_IF_ABSENT' | 'OVERWRITE_IF_EXISTS_OR_ADD' | 'OVERWRITE_IF_EXISTS';

function appendActionOf(append: boolean | undefined, action: string | number | undefined): AppendAction | 'INVALID' {
  const named = typeof action === 'number' ? ACTION_BY_NUMBER[action] : action;
  if (append !== undefined) {
    if (named !== undefined && named !== 'APPEND_IF_EXISTS_OR_ADD') return 'INVALID';
    return append ? 'APPEND_IF_EXISTS_OR_ADD' : 'OVERWRITE_IF_EXISTS_OR_ADD';
  }
  switch (named) {
    case 'ADD_IF_ABSENT':
    case 'OVERWRITE_IF_EXISTS_OR_ADD':
    case 'OVERWRITE_IF_EXISTS':
      return named;
    default:
      return 'APPEND_IF_EXISTS_OR_ADD';
  }
}

const ACTION_BY_NUMBER: Record<number, AppendAction> = {
  0: 'APPEND_IF_EXISTS_OR_ADD',
  1: 'ADD_IF_ABSENT',
  2: 'OVERWRITE_IF_EXISTS_OR_ADD',
  3: 'OVERWRITE_IF_EXISTS',
};

function mayModifyName(name: string, rules: MutationRules): boolean {
  return !ROUTING_HEADERS.has(name) && (rules.allowEnvoy === true || !name.startsWith('x-envoy'));
}

/** Node's outgoing header object for a list: pseudo-headers left out, duplicates as arrays. */
export function toNodeHeaders(headers: HeaderList): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of headers) {
    if (name.startsWith(':')) continue;
    const prior = out[name];
    if (prior === undefined) out[name] = value;
    else out[name] = Array.isArray(prior) ? [...prior, value] : [prior, value];
  }
  return out;
}

/** Builds a header list from Node's raw header array (name, value, name, value…), lower-cased. */
export function fromRawHeaders(raw: readonly string[]): HeaderList {
  const out: HeaderList = [];
  for (let i = 0; i + 1 < raw.length; i += 2) out.push([raw[i]!.toLowerCase(), raw[i + 1]!]);
  return out;
}
