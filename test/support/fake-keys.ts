/**
 * An in-memory KeyLookup for tests: keys by secret, request counts kept, lookups recorded.
 */
import type { GatewayKey, KeyLookup } from '../../src/access/key-lookup.js';

/** A key with defaults for every fact not given. */
export function gatewayKey(facts: Partial<GatewayKey> & { id: string }): GatewayKey {
  return {
    project: 'p1',
    name: facts.id,
    createdAt: 0,
    expiresAt: null,
    revoked: false,
    maxRequests: null,
    requestCount: 0,
    allowedModels: [],
    allowedRules: [],
    projectActive: true,
    ...facts,
  };
}

/** In-memory keys. */
export class FakeKeyLookup implements KeyLookup {
  readonly counted: string[] = [];
  readonly lookups: string[] = [];
  failing = false;
  private readonly keys = new Map<string, GatewayKey>();

  constructor(entries: Record<string, GatewayKey> = {}) {
    for (const [secret, key] of Object.entries(entries)) this.keys.set(secret, key);
  }

  set(secret: string, key: GatewayKey): void {
    this.keys.set(secret, key);
  }

  async find(secret: string): Promise<GatewayKey | undefined> {
    this.lookups.push(secret);
    if (this.failing) throw new Error('store down');
    const k = this.keys.get(secret);
    if (!k) return undefined;
    const count = this.counted.filter((id) => id === k.id).length;
    return { ...k, requestCount: k.requestCount + count };
  }

  countRequest(keyId: string): void {
    this.counted.push(keyId);
  }
}
