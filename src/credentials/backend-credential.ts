/**
 * The credential of one backend, from `backends[].auth` (AI Gateway v0.2 keys), turned into the
 * header changes of an upstream request: `authorization: Bearer` (OpenAI and compatible),
 * `x-api-key` + `anthropic-version` (Anthropic), `api-key` (Azure OpenAI), `x-goog-api-key`
 * (Gemini), or an AWS SigV4 signature (Bedrock). Secrets are read at use time, so a rotated
 * file (or a changed variable source) applies to the next request.
 */
import { resolve } from 'node:path';
import type { Logger } from 'pino';
import type { BackendConfig } from '../config/schema.js';
import type { SecretRef } from '../config/access-schema.js';
import { parseAwsCredentials, type AwsCredentials } from './aws-credentials.js';
import type { SecretFiles } from './secret-files.js';
import { signSigV4 } from './sigv4.js';

/** Default `anthropic-version` when the client sent none (the version Anthropic's API documents). */
export const ANTHROPIC_VERSION = '2023-06-01';

/** Where secrets come from. */
export interface SecretSources {
  readonly files: SecretFiles;
  /** Environment lookup injected from the entry point. */
  readonly readEnv: (name: string) => string | undefined;
  readonly logger: Logger;
}

/** Where relative secret file names are resolved from (the config file's directory). */
export interface CredentialOptions {
  readonly baseDir: string;
}

/** The upstream request a credential is applied to. */
export interface UpstreamRequest {
  readonly method: string;
  /** `:path` as it will be sent (after our changes). */
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  /** The final body; undefined when it is not available (headers-only processing). */
  readonly body: Buffer | undefined;
}

/** A credential that cannot be produced now (file missing, variable unset, body not seen). */
export class CredentialUnavailableError extends Error {
  constructor(backend: string, why: string) {
    super(`credential of backend ${JSON.stringify(backend)} unavailable: ${why}`);
    this.name = 'CredentialUnavailableError';
  }
}

/** How a backend authenticates. */
export type CredentialKind = 'bearer' | 'anthropic' | 'azure' | 'gemini' | 'sigv4';

/** Headers this credential sets; the caller removes every client credential besides. */
export interface CredentialHeaders {
  readonly set: ReadonlyArray<readonly [string, string]>;
}

function readRef(ref: SecretRef, sources: SecretSources, baseDir: string): string | undefined {
  if ('key' in ref) return ref.key;
  if ('env' in ref) return sources.readEnv(ref.env) || undefined;
  return sources.files.get(resolve(baseDir, ref.filename)) || undefined;
}

/**
 * How an API key (or access token) is sent to a backend of this schema: Anthropic `x-api-key`,
 * Azure OpenAI `api-key`, Gemini `x-goog-api-key`; everything else — OpenAI and compatible
 * servers, Bedrock API keys, Vertex AI access tokens — as `Authorization: Bearer`.
 */
export function apiKeyKind(b: BackendConfig): Exclude<CredentialKind, 'sigv4'> {
  switch (b.schema?.name) {
    case 'Anthropic':
      return 'anthropic';
    case 'AzureOpenAI':
      return 'azure';
    case 'GCPGemini':
      return 'gemini';
    default:
      return 'bearer';
  }
}

function kindOf(b: BackendConfig): CredentialKind | undefined {
  const auth = b.auth;
  if (!auth) return undefined;
  if (auth.aws) return 'sigv4';
  if (auth.azure) return 'bearer'; // an Entra ID access token
  if (auth.gcp) return 'bearer'; // a Google OAuth access token (Vertex AI, Gemini)
  if (!auth.apiKey) return undefined;
  return apiKeyKind(b);
}

/** The headers that carry `secret` the way `kind` sends it (`anthropic-version` added when the client sent none). */
export function apiKeyHeaders(kind: Exclude<CredentialKind, 'sigv4'>, secret: string, req: Pick<UpstreamRequest, 'headers'>): CredentialHeaders {
  switch (kind) {
    case 'anthropic':
      return {
        set: [['x-api-key', secret], ...(req.headers['anthropic-version'] ? [] : [['anthropic-version', ANTHROPIC_VERSION] as const])],
      };
    case 'azure':
      return { set: [['api-key', secret]] };
    case 'gemini':
      return { set: [['x-goog-api-key', secret]] };
    default:
      return { set: [['authorization', `Bearer ${secret}`]] };
  }
}

/** Throws unless `value` can go in a header: set, and free of line breaks and NUL. */
export function checkedSecret(backend: string, value: string | undefined): string {
  if (!value) throw new CredentialUnavailableError(backend, 'the secret is empty or unreadable');
  if (/[\r\n\0]/.test(value)) throw new CredentialUnavailableError(backend, 'the secret contains a line break or NUL');
  return value;
}

/** The credential of one backend. */
export class BackendCredential {
  /** How it authenticates. */
  readonly kind: CredentialKind;

  private constructor(
    private readonly backend: BackendConfig,
    kind: CredentialKind,
    private readonly sources: SecretSources,
    private readonly baseDir: string,
  ) {
    this.kind = kind;
  }

  /** The backend's credential, or undefined when `auth` names none. */
  static of(backend: BackendConfig, sources: SecretSources, opts: CredentialOptions = { baseDir: '.' }): BackendCredential | undefined {
    const kind = kindOf(backend);
    return kind ? new BackendCredential(backend, kind, sources, opts.baseDir) : undefined;
  }

  /** Headers to set on `req`. Throws {@link CredentialUnavailableError}. */
  async headers(req: UpstreamRequest): Promise<CredentialHeaders> {
    if (this.kind === 'sigv4') return { set: await this.sign(req) };
    return apiKeyHeaders(this.kind, this.secret(), req);
  }

  private secret(): string {
    const auth = this.backend.auth!;
    let value: string | undefined;
    const token = auth.azure ?? auth.gcp;
    if (token) {
      value = token.accessToken ?? (token.filename ? this.sources.files.get(resolve(this.baseDir, token.filename)) : undefined);
    } else if (auth.apiKey) {
      value = readRef(auth.apiKey, this.sources, this.baseDir);
    }
    return checkedSecret(this.backend.name, value);
  }

  private awsCredentials(): AwsCredentials {
    const aws = this.backend.auth!.aws!;
    const text = aws.credentialFileLiteral ?? (aws.credentialFileName ? this.sources.files.get(resolve(this.baseDir, aws.credentialFileName)) : undefined);
    const creds = text ? parseAwsCredentials(text) : undefined;
    if (!creds) throw new CredentialUnavailableError(this.backend.name, 'no AWS credentials (aws_access_key_id, aws_secret_access_key) in the credential file');
    return creds;
  }

  private async sign(req: UpstreamRequest): Promise<ReadonlyArray<readonly [string, string]>> {
    const aws = this.backend.auth!.aws!;
    const creds = this.awsCredentials();
    if (req.body === undefined) {
      throw new CredentialUnavailableError(this.backend.name, 'SigV4 signs the body, which this processing mode does not send: use request body mode BUFFERED');
    }
    const contentType = req.headers['content-type'];
    return signSigV4(
      {
        method: req.method,
        host: this.backend.host ?? `bedrock-runtime.${aws.region}.amazonaws.com`,
        path: req.path,
        ...(contentType ? { contentType } : {}),
        body: req.body,
        region: aws.region,
        service: 'bedrock',
      },
      creds,
    );
  }
}
