import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, deepFreeze, loadConfigFile, loadEmbeddedDefault, parseConfig, type ConfigProblem } from './load.js';
import { HeaderMatchRouter } from '../routing/header-match-router.js';
import { compileRequestCosts } from '../metrics/request-costs.js';

const FIXTURE = fileURLToPath(new URL('../../test/fixtures/aigw-v0.2-filter-config.yaml', import.meta.url));

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'config-load-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function problemsOf(text: string): ConfigProblem[] {
  try {
    parseConfig(text, 'test.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return [...(err as ConfigError).problems];
  }
  throw new Error('expected the config to be rejected');
}

describe('parseConfig', () => {
  it('fills defaults for an empty document', () => {
    for (const text of ['', '# only a comment\n', '{}']) {
      const { config } = parseConfig(text, 'empty.yaml');
      expect(config.rules).toEqual([]);
      expect(config.grpc).toEqual({ address: '0.0.0.0:50051', maxMessageBytes: 64 * 1024 * 1024, streamResetBurst: 10_000, streamResetsPerSecond: 10_000 });
      expect(config.router).toEqual({ options: {}, timeoutMs: 100, failureMode: 'closed' });
      expect(config.selectedRouteHeaderKey).toBe('x-ai-eg-selected-route');
    }
  });

  it('keeps the source and text it was parsed from', () => {
    const text = 'rules: []\n';
    expect(parseConfig(text, 'a.yaml')).toMatchObject({ source: 'a.yaml', text });
  });

  it('reports each problem with its YAML path and line', () => {
    const problems = problemsOf(`grpc:
  address: "0.0.0.0:50051"
  maxMessageBytes: -1
rules:
  - name: ok
    headers:
      - { name: x-ai-eg-model, prefix: "gpt-" }
  - name: bad
    headers:
      - { name: x-ai-eg-model, type: Exact }
router:
  failureMode: sideways
`);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: 'grpc.maxMessageBytes', line: 3 }),
        { path: 'rules[1].headers[0].value', message: 'type Exact needs a value', line: 10 },
        expect.objectContaining({ path: 'router.failureMode', line: 12 }),
      ]),
    );
    expect(problems).toHaveLength(3);
  });

  it('gives a missing key the line of its parent', () => {
    expect(problemsOf(`rules:
  - headers: []
`)).toEqual([{ path: 'rules[0].name', message: expect.stringContaining('expected string'), line: 2 }]);
  });

  it('rejects unknown keys with their own path and line, at every level', () => {
    expect(problemsOf(`grpc:
  adress: "0.0.0.0:1"
rules:
  - name: a
    headers:
      - { name: x-ai-eg-model, prefx: "gpt-", prefix: "gpt-" }
    backend: []
rulez: []
`)).toEqual([
      { path: 'rules[0].headers[0].prefx', message: 'unknown key: did you mean `prefix`?', line: 6 },
      { path: 'rules[0].backend', message: 'unknown key: did you mean `backends`?', line: 7 },
      { path: 'grpc.adress', message: 'unknown key: did you mean `address`?', line: 2 },
      { path: 'rulez', message: 'unknown key: did you mean `rules`?', line: 8 },
    ]);
  });

  it('renders problems in the error message', () => {
    expect(() => parseConfig('grpc:\n  adress: x\n', 'cfg.yaml')).toThrow('invalid config cfg.yaml:\n  grpc.adress (line 2): unknown key: did you mean `address`?');
  });

  it('rejects duplicate keys, naming the key and its line', () => {
    expect(problemsOf('rules: []\nrouter:\n  timeoutMs: 5\n  timeoutMs: 6\n')).toEqual([
      { path: '', message: expect.stringMatching(/^Map keys must be unique \(timeoutMs\)$/), line: 4 },
    ]);
    expect(problemsOf('grpc: { address: "a:1", address: "b:2" }\n')[0]).toMatchObject({ message: expect.stringContaining('(address)'), line: 1 });
  });

  it('reports YAML syntax errors with a line', () => {
    const [p] = problemsOf('rules:\n  - name: "unterminated\n');
    expect(p).toMatchObject({ path: '', line: expect.any(Number) });
    expect(problemsOf('a: 1\n---\nb: 2\n')[0]?.message).toMatch(/multiple documents/);
  });

  it('rejects a document that is not a mapping', () => {
    expect(problemsOf('- a\n- b\n')[0]).toMatchObject({ path: '' });
    expect(problemsOf('just text\n')[0]).toMatchObject({ path: '' });
  });

  it('deep-freezes the loaded config', () => {
    const { config } = parseConfig('rules: [{ name: a, headers: [{ name: h, exact: v }] }]\nrouter: { options: { nested: { list: [1] } } }\n', 't');
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.rules)).toBe(true);
    expect(Object.isFrozen(config.rules[0]!.headers[0])).toBe(true);
    expect(Object.isFrozen((config.router.options['nested'] as { list: number[] }).list)).toBe(true);
    expect(() => {
      (config.rules as unknown as unknown[]).push({});
    }).toThrow(TypeError);
    expect(() => {
      (config.grpc as { address: string }).address = 'x';
    }).toThrow(TypeError);
  });
});

describe('an Envoy AI Gateway v0.2 filter config', () => {
  it('loads unchanged, with every v0.2 key kept', async () => {
    const { config, source } = await loadConfigFile(FIXTURE);
    expect(source).toBe(FIXTURE);
    expect(config.uuid).toBe('2f6c3a0e-9b1d-4a57-8c1e-5d0f7a9b3c21');
    expect(config.schema).toEqual({ name: 'OpenAI' });
    expect(config.modelNameHeaderKey).toBe('x-ai-eg-model');
    expect(config.selectedRouteHeaderKey).toBe('x-ai-eg-selected-route');
    expect(config.metadataNamespace).toBe('io.envoy.ai_gateway');
    expect(config.llmRequestCosts.map((c) => [c.metadataKey, c.type])).toEqual([
      ['llm_input_token', 'InputToken'],
      ['llm_output_token', 'OutputToken'],
      ['llm_total_token', 'TotalToken'],
      ['weighted_cost', 'CEL'],
      ['premium_cost', 'CEL'],
    ]);
    expect(config.llmRequestCosts[3]!.cel).toBe('input_tokens + output_tokens * 3u');
    expect(config.llmRequestCosts[4]!.celExpression).toBe("model == 'gpt-4o' ? total_tokens * 2u : total_tokens");
    expect(config.rules.map((r) => r.name)).toEqual(['envoy-ai-gateway-basic-rule-0', 'envoy-ai-gateway-basic-rule-1', 'envoy-ai-gateway-basic-rule-2']);
    const [openai, aws, azure] = config.rules.map((r) => r.backends[0]!);
    expect(openai).toMatchObject({ name: 'envoy-ai-gateway-basic-openai.default', schema: { name: 'OpenAI' }, auth: { apiKey: { filename: expect.stringMatching(/apiKey$/) } } });
    expect(aws).toMatchObject({ schema: { name: 'AWSBedrock' }, auth: { aws: { region: 'us-east-1', credentialFileName: expect.any(String) } } });
    expect(azure).toMatchObject({ schema: { name: 'AzureOpenAI', version: '2025-01-01-preview' }, auth: { azure: { filename: expect.any(String) } } });
  });

  it('has request costs (including CEL in both spellings) that compile', async () => {
    const { config } = await loadConfigFile(FIXTURE);
    expect(() => compileRequestCosts(config.llmRequestCosts)).not.toThrow();
  });

  it('routes with its Exact, RegularExpression and type-less matchers', async () => {
    const { config } = await loadConfigFile(FIXTURE);
    const router = new HeaderMatchRouter(config.rules, config.modelNameHeaderKey);
    expect(router.calculate({ 'x-ai-eg-model': 'gpt-4o-mini' })).toBe('envoy-ai-gateway-basic-rule-0');
    expect(router.calculate({ 'x-ai-eg-model': 'us.meta.llama3-2-1b-instruct-v1:0' })).toBe('envoy-ai-gateway-basic-rule-1');
    expect(router.calculate({ 'x-ai-eg-model': 'gpt-4.5-preview' })).toBe('envoy-ai-gateway-basic-rule-2');
    expect(() => router.calculate({ 'x-ai-eg-model': 'gpt-4o' })).toThrow(/no rule matches/);
    expect(() => router.calculate({ 'x-ai-eg-model': 'usXmetaXllama3-2-1b-instruct-v1:0' })).toThrow(/no rule matches/);
  });
});

describe('loadConfigFile', () => {
  it('reports a file that cannot be read as a ConfigError naming it', async () => {
    const missing = join(dir, 'missing.yaml');
    const err = await loadConfigFile(missing).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).source).toBe(missing);
    expect((err as ConfigError).problems[0]?.message).toMatch(/^cannot read file: ENOENT/);
  });

  it('reports a problem in a file with the file name', async () => {
    const file = join(dir, 'bad.yaml');
    await writeFile(file, 'log: { level: loud }\n');
    await expect(loadConfigFile(file)).rejects.toThrow(`invalid config ${file}:\n  log.level (line 1):`);
  });
});

describe('loadEmbeddedDefault', () => {
  it('is named as such', () => {
    expect(loadEmbeddedDefault().source).toBe('embedded default');
  });
});

describe('deepFreeze', () => {
  it('freezes nested objects and arrays and returns its argument', () => {
    const v = { a: [{ b: 1 }], c: { d: { e: 'x' } } };
    expect(deepFreeze(v)).toBe(v);
    expect(Object.isFrozen(v.a[0])).toBe(true);
    expect(Object.isFrozen(v.c.d)).toBe(true);
  });

  it('leaves primitives alone', () => {
    expect(deepFreeze(3)).toBe(3);
    expect(deepFreeze(null)).toBe(null);
  });
});
