import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signSigV4 } from './sigv4.js';

const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data).digest();
const sha = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

/** An independent SigV4 computation (from the published algorithm) to check the signer's output against. */
function expectedSignature(opts: { secret: string; date: Date; region: string; service: string; method: string; host: string; path: string; query: string; contentType: string; body: Buffer; signedHeaders: Record<string, string> }): string {
  const amzDate = opts.date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const day = amzDate.slice(0, 8);
  const headers = Object.entries(opts.signedHeaders).sort(([a], [b]) => a.localeCompare(b));
  // Non-S3 services escape each already-encoded path segment once more.
  const canonicalPath = opts.path.split('/').map((seg) => encodeURIComponent(seg)).join('/');
  const canonical = [
    opts.method,
    canonicalPath,
    opts.query,
    headers.map(([k, v]) => `${k}:${v}\n`).join(''),
    headers.map(([k]) => k).join(';'),
    sha(opts.body),
  ].join('\n');
  const scope = `${day}/${opts.region}/${opts.service}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha(canonical)].join('\n');
  const kDate = hmac(`AWS4${opts.secret}`, day);
  const kSigning = hmac(hmac(hmac(kDate, opts.region), opts.service), 'aws4_request');
  return createHmac('sha256', kSigning).update(toSign).digest('hex');
}

describe('signSigV4', () => {
  it('signs host, content-type and x-amz-* over the body, matching an independent computation', async () => {
    const date = new Date('2026-01-02T03:04:05Z');
    const body = Buffer.from('{"messages":[{"role":"user","content":[{"text":"hi"}]}]}');
    const path = '/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse';
    const headers = Object.fromEntries(
      await signSigV4(
        { method: 'post', host: 'bedrock-runtime.us-east-1.amazonaws.com', path, contentType: 'application/json', body, region: 'us-east-1', service: 'bedrock', date },
        { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' },
      ),
    );
    expect(headers['x-amz-date']).toBe('20260102T030405Z');
    const auth = headers['authorization']!;
    expect(auth).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/20260102\/us-east-1\/bedrock\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/);
    const signedNames = /SignedHeaders=([^,]+)/.exec(auth)![1]!.split(';');
    expect(signedNames).toEqual(expect.arrayContaining(['host', 'content-type', 'x-amz-date']));
    const all: Record<string, string> = { host: 'bedrock-runtime.us-east-1.amazonaws.com', 'content-type': 'application/json', ...headers };
    const signed = Object.fromEntries(signedNames.map((n) => [n, all[n]!]));
    const want = expectedSignature({
      secret: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
      date,
      region: 'us-east-1',
      service: 'bedrock',
      method: 'POST',
      host: 'bedrock-runtime.us-east-1.amazonaws.com',
      path,
      query: '',
      contentType: 'application/json',
      body,
      signedHeaders: signed,
    });
    expect(/Signature=([0-9a-f]{64})/.exec(auth)![1]).toBe(want);
  });

  it('adds the session token and changes with the body', async () => {
    const base = { method: 'POST', host: 'h.example', path: '/model/m/invoke', body: Buffer.from('a'), region: 'eu-west-1', service: 'bedrock', date: new Date(0) };
    const creds = { accessKeyId: 'A', secretAccessKey: 'S', sessionToken: 'T' };
    const a = Object.fromEntries(await signSigV4(base, creds));
    const b = Object.fromEntries(await signSigV4({ ...base, body: Buffer.from('b') }, creds));
    expect(a['x-amz-security-token']).toBe('T');
    expect(a['authorization']).not.toBe(b['authorization']);
  });
});
