/**
 * Encryption at rest of provider credentials: AES-256-GCM (node:crypto) under a data key the
 * operator keeps outside the store (a file or an environment variable). Each ciphertext is
 * stored with the id of the key that sealed it, so keys can be rotated: a new `dataKey` seals
 * from then on, the old ones (`previousDataKeys`) still open what they sealed until
 * `project-credentials reencrypt` has moved everything to the new key.
 *
 * The project and provider are bound to the ciphertext as additional authenticated data, so a
 * ciphertext copied to another project's row does not open.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { DataKeyRef, ProviderCredentialsConfig } from '../config/access-schema.js';
import { describeSecretRef, resolveSecretRef, type SecretSources } from './secret-ref.js';

/** A sealed credential as the store keeps it. */
export interface SealedCredential {
  /** Id of the data key that sealed it. */
  readonly keyId: string;
  /** `v1.<base64url of iv ‖ tag ‖ ciphertext>`. */
  readonly ciphertext: string;
}

/** A data key could not be read or has the wrong size, or a ciphertext does not open. */
export class CredentialCipherError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CredentialCipherError';
  }
}

const IV_BYTES = 12;
const TAG_BYTES = 16;
const VERSION = 'v1';

function aad(project: string, provider: string): Buffer {
  return Buffer.from(`llm-extproc/provider-credential\0${project}\0${provider}`, 'utf8');
}

/**
 * A data key's 32 bytes from its text: 64 hex characters or base64 (standard or url-safe) of 32
 * bytes. Undefined for anything else.
 */
export function parseDataKey(text: string): Buffer | undefined {
  const t = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(t)) return Buffer.from(t, 'hex');
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(t)) {
    const b = Buffer.from(t.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    return b.length === 32 ? b : undefined;
  }
  return undefined;
}

/** The keys that seal and open provider credentials. */
export class CredentialCipher {
  /**
   * @param current id and bytes of the key that seals.
   * @param previous keys that only open (by id).
   */
  constructor(
    private readonly current: { readonly id: string; readonly key: Buffer },
    private readonly previous: ReadonlyMap<string, Buffer> = new Map(),
  ) {
    if (current.key.length !== 32) throw new CredentialCipherError('a data key must be 32 bytes');
  }

  /** Id of the key that seals. */
  get currentKeyId(): string {
    return this.current.id;
  }

  /** Seals `secret` for `project` and `provider` under the current key (a fresh random IV each time). */
  seal(secret: string, project: string, provider: string): SealedCredential {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.current.key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(aad(project, provider));
    const body = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
    const blob = Buffer.concat([iv, cipher.getAuthTag(), body]);
    return { keyId: this.current.id, ciphertext: `${VERSION}.${blob.toString('base64url')}` };
  }

  /** True when `keyId` can be opened here. */
  canOpen(keyId: string): boolean {
    return keyId === this.current.id || this.previous.has(keyId);
  }

  /** Opens a sealed credential; throws {@link CredentialCipherError} when its key is unknown or it was altered. */
  open(sealed: SealedCredential, project: string, provider: string): string {
    const key = sealed.keyId === this.current.id ? this.current.key : this.previous.get(sealed.keyId);
    if (!key) throw new CredentialCipherError(`no data key with id ${JSON.stringify(sealed.keyId)} is configured`);
    const dot = sealed.ciphertext.indexOf('.');
    if (dot < 0 || sealed.ciphertext.slice(0, dot) !== VERSION) throw new CredentialCipherError('unknown ciphertext format');
    const blob = Buffer.from(sealed.ciphertext.slice(dot + 1), 'base64url');
    if (blob.length < IV_BYTES + TAG_BYTES) throw new CredentialCipherError('ciphertext too short');
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, blob.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
      decipher.setAAD(aad(project, provider));
      decipher.setAuthTag(blob.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      return Buffer.concat([decipher.update(blob.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      throw new CredentialCipherError('the credential does not open with its data key (altered, or another row\'s)');
    }
  }
}

async function readDataKey(ref: DataKeyRef, sources: SecretSources): Promise<Buffer> {
  const text = await resolveSecretRef('filename' in ref ? { filename: ref.filename } : { env: ref.env }, sources);
  const where = describeSecretRef('filename' in ref ? { filename: ref.filename } : { env: ref.env });
  if (text === undefined) throw new CredentialCipherError(`data key ${JSON.stringify(ref.id)}: ${where} is unset or unreadable`);
  const key = parseDataKey(text);
  if (!key) throw new CredentialCipherError(`data key ${JSON.stringify(ref.id)}: ${where} does not hold 32 bytes as 64 hex characters or base64`);
  return key;
}

/** Reads the data keys `auth.providerCredentials` names; throws {@link CredentialCipherError} naming the one that fails. */
export async function loadCredentialCipher(config: ProviderCredentialsConfig, sources: SecretSources): Promise<CredentialCipher> {
  const current = await readDataKey(config.dataKey, sources);
  const previous = new Map<string, Buffer>();
  for (const ref of config.previousDataKeys) previous.set(ref.id, await readDataKey(ref, sources));
  return new CredentialCipher({ id: config.dataKey.id, key: current }, previous);
}
