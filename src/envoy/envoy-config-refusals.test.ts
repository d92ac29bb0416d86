import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load.js';
import { envoyConfigRefusals } from './envoy-config-refusals.js';

const configOf = (yaml: string) => parseConfig(yaml, 'test.yaml').config;

describe('envoyConfigRefusals', () => {
  it('names each rule the generator refuses, with its reason', () => {
    const config = configOf(`rules:
  - name: ok
    headers: [{ name: x-ai-eg-model, prefix: "gpt-" }]
    backends: [{ name: openai, host: api.openai.com }]
  - name: local
    headers: [{ name: x-ai-eg-model, prefix: "llama-" }]
    backends: [{ name: vllm }]
`);
    expect(envoyConfigRefusals(config)).toEqual([
      {
        path: 'rules[1]',
        message:
          'llm-extproc envoy-config would refuse this rule: rule "local" backend "vllm" has no host: add host (and port, tls) so an Envoy cluster can be generated for it',
      },
    ]);
  });

  it('finds nothing in a config the generator takes', () => {
    expect(envoyConfigRefusals(configOf('rules:\n  - { name: a, headers: [{ name: x-ai-eg-model, prefix: a }], backends: [{ name: a, host: a.example }] }\n'))).toEqual([]);
  });
});
