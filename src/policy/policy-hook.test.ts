import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load.js';
import { describeHookContract, fakeHookRequest } from '../testing.js';
import { policyHook } from './policy-hook.js';

const { config } = parseConfig(
  `
policy:
  allowedPaths: ["/v1/*"]
  requestHeaders: { add: { x-gw-rule: "\${rule}" }, remove: [x-debug] }
  responseHeaders: { add: { x-served-by: gateway } }
rules:
  - name: openai
    backends: [{ name: openai }]
    policy: { requiredHeaders: [x-team], body: { maximums: { max_tokens: 100 } } }
  - name: open
    backends: [{ name: open }]
`,
  'test',
);
const hook = policyHook(config);

describeHookContract('policy', () => hook);

describe('the policy hook', () => {
  it('refuses a path the global policy does not serve as soon as the headers arrive', () => {
    expect(hook.onRequestHeaders!(fakeHookRequest({ path: '/admin/x' }))).toMatchObject({ answer: { status: 404, code: 'path_not_allowed' } });
    expect(hook.onRequestHeaders!(fakeHookRequest())).toBeUndefined();
  });

  it('checks the rule’s policy once routed: required headers, then body rules', () => {
    expect(hook.onRequest!(fakeHookRequest())).toMatchObject({ answer: { status: 400, code: 'missing_required_header' } });
    const withTeam = { 'x-team': 'a' };
    expect(hook.onRequest!(fakeHookRequest({ headers: withTeam, body: Buffer.from('{"model":"m","max_tokens":1000}') }))).toMatchObject({ answer: { status: 400, code: 'value_too_large' } });
    expect(hook.onRequest!(fakeHookRequest({ headers: withTeam, body: Buffer.from('{"model":"m","max_tokens":10}') }))).toEqual({ headers: { set: [['x-gw-rule', 'openai']], remove: ['x-debug'] } });
  });

  it('refuses a body it cannot see where body rules apply, and not elsewhere', () => {
    expect(hook.onRequest!(fakeHookRequest({ headers: { 'x-team': 'a' }, body: undefined }))).toMatchObject({ answer: { status: 413, code: 'body_not_inspected' } });
    expect(hook.onRequest!(fakeHookRequest({ rule: 'open', body: undefined }))).toEqual({ headers: { set: [['x-gw-rule', 'open']], remove: ['x-debug'] } });
  });

  it('changes the response headers', () => {
    expect(hook.onResponseHeaders!({ status: 200, headers: {}, streaming: false }, fakeHookRequest({ rule: 'open' }), undefined)).toEqual({ set: [['x-served-by', 'gateway']], remove: [] });
  });
});
