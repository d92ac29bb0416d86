/**
 * AWS Signature Version 4 for Bedrock requests, computed over the final body and path (after
 * every change we make), with the signer the AWS SDKs use.
 */
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentials } from './aws-credentials.js';

/** What is signed. Only `host`, `content-type` and the `x-amz-*` headers are signed, so proxies may add others. */
export interface SigV4Request {
  readonly method: string;
  readonly host: string;
  /** `:path` as sent upstream, query included. */
  readonly path: string;
  readonly contentType?: string;
  readonly body: Uint8Array;
  readonly region: string;
  /** Signing service name (`bedrock` for Bedrock runtime). */
  readonly service: string;
  /** Signing time (default now). */
  readonly date?: Date;
}

/** Headers to set on the upstream request (lower-case names). */
export type SignedHeaders = ReadonlyArray<readonly [string, string]>;

function splitQuery(path: string): { path: string; query: Record<string, string | string[]> } {
  const q = path.indexOf('?');
  if (q < 0) return { path, query: {} };
  const query: Record<string, string | string[]> = {};
  for (const [k, v] of new URLSearchParams(path.slice(q + 1))) {
    const prev = query[k];
    query[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return { path: path.slice(0, q), query };
}

/** Signs a request; returns `authorization`, `x-amz-date`, `x-amz-content-sha256` and, with a session token, `x-amz-security-token`. */
export async function signSigV4(req: SigV4Request, creds: AwsCredentials): Promise<SignedHeaders> {
  const signer = new SignatureV4({
    credentials: {
      accessKeyId: creds.accessKeyId,
      secretAccessKey: creds.secretAccessKey,
      ...(creds.sessionToken ? { sessionToken: creds.sessionToken } : {}),
    },
    region: req.region,
    service: req.service,
    sha256: Sha256,
  });
  const { path, query } = splitQuery(req.path);
  const headers: Record<string, string> = { host: req.host };
  if (req.contentType) headers['content-type'] = req.contentType;
  const signed = await signer.sign(
    { method: req.method.toUpperCase(), protocol: 'https:', hostname: req.host, path, query, headers, body: req.body },
    req.date ? { signingDate: req.date } : {},
  );
  const out: Array<readonly [string, string]> = [];
  for (const [k, v] of Object.entries(signed.headers)) {
    const name = k.toLowerCase();
    if (name === 'authorization' || name.startsWith('x-amz-')) out.push([name, v]);
  }
  return out;
}
