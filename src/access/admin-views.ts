/**
 * How keys, projects and audit entries look in the admin API and CLI output: times as ISO 8601.
 */
import type { AuditEntry, Project, StoredKey } from './store.js';

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

/** A key as the admin API shows it (never its secret). */
export function keyView(k: StoredKey): Record<string, unknown> {
  return {
    id: k.id,
    project: k.project,
    name: k.name,
    createdAt: iso(k.createdAt),
    expiresAt: iso(k.expiresAt),
    revoked: k.revoked,
    maxRequests: k.maxRequests,
    requestCount: k.requestCount,
    allowedModels: k.allowedModels,
    allowedRules: k.allowedRules,
    rateLimits: k.rateLimits ?? null,
  };
}

/** A project as the admin API shows it. */
export function projectView(p: Project): Record<string, unknown> {
  return { name: p.name, active: p.active, createdAt: iso(p.createdAt), rateLimits: p.rateLimits ?? null };
}

/** An audit entry as the admin API shows it. */
export function auditView(e: AuditEntry): Record<string, unknown> {
  return { id: e.id, at: iso(e.at), actor: e.actor, action: e.action, target: e.target, before: e.before, after: e.after };
}
