/**
 * The {@link AccessStore} over a {@link SqlDb}: the same SQL for SQLite and PostgreSQL. Every
 * change and its audit entry commit together.
 */
import { applyMigrations } from '../storage/migrations.js';
import { isUniqueViolation, num, numOrNull, type SqlDb, type SqlExecutor, type SqlRow } from '../storage/sql-db.js';
import {
  StoreError,
  type AccessStore,
  type AuditEntry,
  type AuditQuery,
  type Change,
  type KeyForLookup,
  type KeyPatch,
  type NewKey,
  type Project,
  type RateLimitOverride,
  type StoredKey,
} from './store.js';

const KEY_COLUMNS = 'id, project, name, created_at, expires_at, revoked, max_requests, request_count, allowed_models, allowed_rules, rate_limits';
const PROJECT_COLUMNS = 'name, active, created_at, rate_limits';

function limitsOf(v: unknown): RateLimitOverride | null {
  if (v === null || v === undefined) return null;
  try {
    const o = JSON.parse(String(v)) as Record<string, unknown>;
    const out: { requestsPerMinute?: number; tokensPerMinute?: number } = {};
    if (typeof o['requestsPerMinute'] === 'number') out.requestsPerMinute = o['requestsPerMinute'];
    if (typeof o['tokensPerMinute'] === 'number') out.tokensPerMinute = o['tokensPerMinute'];
    return Object.keys(out).length ? out : null;
  } catch {
    return null;
  }
}

function limitsJson(l: RateLimitOverride | null | undefined): string | null {
  return l && (l.requestsPerMinute !== undefined || l.tokensPerMinute !== undefined) ? JSON.stringify(l) : null;
}

function strings(v: unknown): string[] {
  try {
    const parsed: unknown = JSON.parse(String(v));
    return Array.isArray(parsed) ? parsed.map(String) : [];
  } catch {
    return [];
  }
}

function toProject(r: SqlRow): Project {
  return { name: String(r['name']), active: num(r['active']) !== 0, createdAt: num(r['created_at']), rateLimits: limitsOf(r['rate_limits']) };
}

function toKey(r: SqlRow): StoredKey {
  return {
    id: String(r['id']),
    project: String(r['project']),
    name: String(r['name']),
    createdAt: num(r['created_at']),
    expiresAt: numOrNull(r['expires_at']),
    revoked: num(r['revoked']) !== 0,
    maxRequests: numOrNull(r['max_requests']),
    requestCount: num(r['request_count']),
    allowedModels: strings(r['allowed_models']),
    allowedRules: strings(r['allowed_rules']),
    rateLimits: limitsOf(r['rate_limits']),
  };
}

function toAudit(r: SqlRow): AuditEntry {
  const json = (v: unknown): unknown => (v === null || v === undefined ? null : JSON.parse(String(v)));
  return {
    id: num(r['id']),
    at: num(r['at']),
    actor: String(r['actor']),
    action: String(r['action']),
    target: String(r['target']),
    before: json(r['before_json']),
    after: json(r['after_json']),
  };
}

async function audit(tx: SqlExecutor, change: Change, action: string, target: string, before: unknown, after: unknown): Promise<void> {
  await tx.run('INSERT INTO audit_log (at, actor, action, target, before_json, after_json) VALUES (?, ?, ?, ?, ?, ?)', [
    change.at,
    change.actor,
    action,
    target,
    before === undefined ? null : JSON.stringify(before),
    after === undefined ? null : JSON.stringify(after),
  ]);
}

async function selectKey(db: SqlExecutor, id: string): Promise<StoredKey | undefined> {
  const rows = await db.query(`SELECT ${KEY_COLUMNS} FROM gateway_keys WHERE id = ?`, [id]);
  return rows[0] ? toKey(rows[0]) : undefined;
}

async function selectProject(db: SqlExecutor, name: string): Promise<Project | undefined> {
  const rows = await db.query(`SELECT ${PROJECT_COLUMNS} FROM projects WHERE name = ?`, [name]);
  return rows[0] ? toProject(rows[0]) : undefined;
}

/** An access store on `db` (which it owns and closes). */
export class SqlAccessStore implements AccessStore {
  /** @param db the database (also read by the usage ledger, which shares it). */
  constructor(readonly db: SqlDb) {}

  get driver(): 'sqlite' | 'postgres' {
    return this.db.dialect;
  }

  migrate(): Promise<number> {
    return applyMigrations(this.db);
  }

  async createProject(name: string, change: Change): Promise<Project> {
    try {
      return await this.db.transaction(async (tx) => {
        await tx.run('INSERT INTO projects (name, active, created_at) VALUES (?, 1, ?)', [name, change.at]);
        const project: Project = { name, active: true, createdAt: change.at, rateLimits: null };
        await audit(tx, change, 'project.create', `project:${name}`, null, project);
        return project;
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new StoreError('conflict', `project ${JSON.stringify(name)} already exists`);
      throw err;
    }
  }

  getProject(name: string): Promise<Project | undefined> {
    return selectProject(this.db, name);
  }

  async listProjects(): Promise<Project[]> {
    return (await this.db.query(`SELECT ${PROJECT_COLUMNS} FROM projects ORDER BY name`)).map(toProject);
  }

  setProjectActive(name: string, active: boolean, change: Change): Promise<Project | undefined> {
    return this.db.transaction(async (tx) => {
      const before = await selectProject(tx, name);
      if (!before) return undefined;
      await tx.run('UPDATE projects SET active = ? WHERE name = ?', [active ? 1 : 0, name]);
      const after: Project = { ...before, active };
      await audit(tx, change, active ? 'project.activate' : 'project.deactivate', `project:${name}`, before, after);
      return after;
    });
  }

  setProjectRateLimits(name: string, limits: RateLimitOverride | null, change: Change): Promise<Project | undefined> {
    return this.db.transaction(async (tx) => {
      const before = await selectProject(tx, name);
      if (!before) return undefined;
      await tx.run('UPDATE projects SET rate_limits = ? WHERE name = ?', [limitsJson(limits), name]);
      const after = (await selectProject(tx, name))!;
      await audit(tx, change, 'project.rate_limits', `project:${name}`, before, after);
      return after;
    });
  }

  async createKey(key: NewKey, change: Change): Promise<StoredKey> {
    try {
      return await this.db.transaction(async (tx) => {
        if (!(await selectProject(tx, key.project))) throw new StoreError('not_found', `project ${JSON.stringify(key.project)} does not exist`);
        await tx.run(
          `INSERT INTO gateway_keys (id, project, name, secret_hash, created_at, expires_at, revoked, max_requests, request_count, allowed_models, allowed_rules, rate_limits)
           VALUES (?, ?, ?, ?, ?, ?, 0, ?, 0, ?, ?, ?)`,
          [
            key.id,
            key.project,
            key.name,
            key.secretHash,
            key.createdAt,
            key.expiresAt,
            key.maxRequests,
            JSON.stringify(key.allowedModels),
            JSON.stringify(key.allowedRules),
            limitsJson(key.rateLimits),
          ],
        );
        const stored = (await selectKey(tx, key.id))!;
        await audit(tx, change, 'key.create', `key:${key.id}`, null, stored);
        return stored;
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new StoreError('conflict', `key ${JSON.stringify(key.id)} already exists`);
      throw err;
    }
  }

  getKey(id: string): Promise<StoredKey | undefined> {
    return selectKey(this.db, id);
  }

  async listKeys(filter: { readonly project?: string } = {}): Promise<StoredKey[]> {
    const rows =
      filter.project === undefined
        ? await this.db.query(`SELECT ${KEY_COLUMNS} FROM gateway_keys ORDER BY created_at, id`)
        : await this.db.query(`SELECT ${KEY_COLUMNS} FROM gateway_keys WHERE project = ? ORDER BY created_at, id`, [filter.project]);
    return rows.map(toKey);
  }

  updateKey(id: string, patch: KeyPatch, change: Change): Promise<StoredKey | undefined> {
    return this.db.transaction(async (tx) => {
      const before = await selectKey(tx, id);
      if (!before) return undefined;
      const sets: string[] = [];
      const params: unknown[] = [];
      const set = (column: string, value: unknown) => {
        sets.push(`${column} = ?`);
        params.push(value);
      };
      if (patch.name !== undefined) set('name', patch.name);
      if (patch.expiresAt !== undefined) set('expires_at', patch.expiresAt);
      if (patch.maxRequests !== undefined) set('max_requests', patch.maxRequests);
      if (patch.allowedModels !== undefined) set('allowed_models', JSON.stringify(patch.allowedModels));
      if (patch.allowedRules !== undefined) set('allowed_rules', JSON.stringify(patch.allowedRules));
      if (patch.rateLimits !== undefined) set('rate_limits', limitsJson(patch.rateLimits));
      if (sets.length === 0) return before;
      await tx.run(`UPDATE gateway_keys SET ${sets.join(', ')} WHERE id = ?`, [...params, id]);
      const after = (await selectKey(tx, id))!;
      await audit(tx, change, 'key.update', `key:${id}`, before, after);
      return after;
    });
  }

  revokeKey(id: string, change: Change): Promise<StoredKey | undefined> {
    return this.db.transaction(async (tx) => {
      const before = await selectKey(tx, id);
      if (!before) return undefined;
      if (before.revoked) return before;
      await tx.run('UPDATE gateway_keys SET revoked = 1 WHERE id = ?', [id]);
      const after: StoredKey = { ...before, revoked: true };
      await audit(tx, change, 'key.revoke', `key:${id}`, before, after);
      return after;
    });
  }

  async findKeyForLookup(id: string): Promise<KeyForLookup | undefined> {
    const rows = await this.db.query(
      `SELECT k.id, k.project, k.name, k.created_at, k.expires_at, k.revoked, k.max_requests, k.request_count,
              k.allowed_models, k.allowed_rules, k.rate_limits, k.secret_hash, p.active AS project_active, p.rate_limits AS project_rate_limits
         FROM gateway_keys k JOIN projects p ON p.name = k.project
        WHERE k.id = ?`,
      [id],
    );
    const r = rows[0];
    if (!r) return undefined;
    return { key: toKey(r), projectActive: num(r['project_active']) !== 0, projectRateLimits: limitsOf(r['project_rate_limits']), secretHash: String(r['secret_hash']) };
  }

  async addRequestCounts(counts: ReadonlyMap<string, number>): Promise<void> {
    if (counts.size === 0) return;
    await this.db.transaction(async (tx) => {
      for (const [id, n] of counts) {
        if (n > 0) await tx.run('UPDATE gateway_keys SET request_count = request_count + ? WHERE id = ?', [n, id]);
      }
    });
  }

  async listAudit(query: AuditQuery = {}): Promise<AuditEntry[]> {
    const limit = Math.min(Math.max(Math.trunc(query.limit ?? 100), 1), 1000);
    const where: string[] = [];
    const params: unknown[] = [];
    if (query.beforeId !== undefined) {
      where.push('id < ?');
      params.push(query.beforeId);
    }
    if (query.target !== undefined) {
      where.push('target = ?');
      params.push(query.target);
    }
    const sql = `SELECT id, at, actor, action, target, before_json, after_json FROM audit_log${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ${limit}`;
    return (await this.db.query(sql, params)).map(toAudit);
  }

  close(): Promise<void> {
    return this.db.close();
  }
}
