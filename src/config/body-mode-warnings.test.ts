import { describe, expect, it } from 'vitest';
import { bodyModeWarnings } from './body-mode-warnings.js';
import { parseConfig } from './load.js';

const { config } = parseConfig(
  `
policy: { body: { maximums: { max_tokens: 1000 } } }
rules:
  - name: a
    backends: [{ name: a }]
  - name: b
    backends: [{ name: b }]
    policy: { body: { forbiddenFields: [tools] } }
`,
  'test',
);

describe('bodyModeWarnings', () => {
  it('says nothing for modes that give the gateway the whole body', () => {
    expect(bodyModeWarnings(config, 'BUFFERED')).toEqual([]);
    expect(bodyModeWarnings(config, 'FULL_DUPLEX_STREAMED')).toEqual([]);
  });

  it('names every body rule and the routing a partial body refuses', () => {
    const w = bodyModeWarnings(config, 'BUFFERED_PARTIAL');
    expect(w.map((x) => x.path)).toEqual(['policy.body', 'rules[1].policy.body', 'rules']);
    expect(w[0]!.message).toMatch(/larger than Envoy buffers.*413 body_not_inspected/);
    expect(w[2]!.message).toMatch(/BUFFERED_PARTIAL.*refused/);
  });

  it('says that STREAMED routes only URL-model APIs', () => {
    const w = bodyModeWarnings(parseConfig('rules: []', 'test').config, 'STREAMED');
    expect(w).toEqual([{ path: 'rules', message: expect.stringMatching(/STREAMED.*not routed by these rules.*only URL-model APIs/) }]);
  });
});
