import { describe, expect, it } from 'vitest';
import { parseAwsCredentials } from './aws-credentials.js';

describe('parseAwsCredentials', () => {
  it('reads the default profile, with a session token', () => {
    const text = `# comment
[other]
aws_access_key_id = AKIAOTHER
aws_secret_access_key = other

[default]
aws_access_key_id=AKIADEFAULT
aws_secret_access_key = s3cr3t/with=equals
aws_session_token = tok
`;
    expect(parseAwsCredentials(text)).toEqual({ accessKeyId: 'AKIADEFAULT', secretAccessKey: 's3cr3t/with=equals', sessionToken: 'tok' });
  });

  it('takes a single profile whatever its name; nothing usable gives undefined', () => {
    expect(parseAwsCredentials('[bedrock]\r\naws_access_key_id=A\r\naws_secret_access_key=B\r\n')).toEqual({ accessKeyId: 'A', secretAccessKey: 'B' });
    expect(parseAwsCredentials('[a]\naws_access_key_id=A\n[b]\naws_access_key_id=B')).toBeUndefined();
    expect(parseAwsCredentials('garbage = = [')).toBeUndefined();
    expect(parseAwsCredentials('')).toBeUndefined();
  });
});
