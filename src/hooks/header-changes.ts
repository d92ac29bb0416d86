/**
 * The one place header changes are merged. Order, documented in docs/architecture.md:
 *
 * 1. Changes apply in list order: the processor's base changes (a renamed `:path`), then each
 *    hook's in hook-list order, then the processor's own (route and model headers,
 *    `content-length` of a new body). A later `set` of a name overrides an earlier one, so the
 *    processor's own headers always win and no hook can choose the route.
 * 2. A name that any change sets is never removed; removals are the union of the rest.
 */
import type { HeaderChanges } from './phase.js';

/** `changes` merged (undefined entries skipped); undefined when nothing is set or removed. */
export function mergeHeaderChanges(changes: ReadonlyArray<HeaderChanges | undefined>): HeaderChanges | undefined {
  let set: Map<string, string> | undefined;
  let remove: Set<string> | undefined;
  for (const c of changes) {
    if (!c) continue;
    if (c.set?.length) {
      set ??= new Map();
      for (const [k, v] of c.set) set.set(k, v);
    }
    if (c.remove?.length) {
      remove ??= new Set();
      for (const h of c.remove) remove.add(h);
    }
  }
  const removals = remove ? [...remove].filter((h) => !set?.has(h)) : [];
  if (!set?.size && removals.length === 0) return undefined;
  return { ...(set?.size ? { set: [...set] } : {}), ...(removals.length ? { remove: removals } : {}) };
}
