import { describe, expect, it } from 'vitest';
import { policySchema } from '../config/access-schema.js';
import { expand, headerChanges } from './header-policy.js';

describe('headerChanges', () => {
  it('adds values with request facts and removes headers; a later policy wins', () => {
    const global = policySchema.parse({ requestHeaders: { add: { 'X-Gateway': 'llm', 'x-trace': '${request_id}/${model}/${rule}' }, remove: ['x-debug'] } });
    const rule = policySchema.parse({ requestHeaders: { add: { 'x-debug': 'on' }, remove: ['x-gateway'] } });
    expect(headerChanges([global, rule], 'requestHeaders', { request_id: 'r1', model: 'gpt-4o', rule: 'openai' })).toEqual({
      set: [['x-trace', 'r1/gpt-4o/openai'], ['x-debug', 'on']],
      remove: ['x-gateway'],
    });
    expect(headerChanges([global], 'responseHeaders', {})).toEqual({ set: [], remove: [] });
  });

  it('fills unknown facts with nothing and never lets a value split a header', () => {
    expect(expand('a${model}b${nope}', {})).toBe('ab${nope}');
    expect(expand('${model}', { model: 'x\r\nInjected: 1' })).toBe('xInjected: 1');
  });
});
