import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCliIn, type CliRun } from './test-cli.js';
import type { CheckReport } from './check.js';

let dir: string;

const ROUTER_OK = `export default function createRouter(defaultRouter, { options }) {
  return { calculate: (headers, request) => (headers['x-tenant'] === 'premium' ? options.rule : defaultRouter.calculate(headers, request)) };
}
`;
const METRICS_OK = `export default function createMetrics(_meter, { defaultFactory }) { return defaultFactory; }
`;

const FILES: Record<string, string> = {
  'router.mjs': ROUTER_OK,
  'metrics.mjs': METRICS_OK,
  'not-a-function.mjs': 'export default { calculate() { return "openai"; } };\n',
  'throwing-router.mjs': 'export default () => { throw new Error("option rule is required"); };\n',
  'bad-metrics.mjs': 'export default () => ({ record() {} });\n',
  'hook.mjs': 'export const optionsSchema = { "~standard": { version: 1, vendor: "test", validate: (v) => (typeof v.header === "string" ? { value: v } : { issues: [{ path: ["header"], message: "required" }] }) } };\nexport default ({ options }) => ({ name: "h", onRequest: () => ({ headers: { set: [[options.header, "1"]] } }) });\n',
  'no-method-hook.mjs': 'export default () => ({ name: "h", onRequst() {} });\n',
  'hooks.yaml': `hooks:
  - { module: ./hook.mjs, options: { header: x-a } }
  - { module: ./hook.mjs, options: { head: x-b } }
  - { module: ./no-method-hook.mjs }
`,
  'valid.yaml': `# a valid config with every kind of module
router: { module: ./router.mjs, options: { rule: premium } }
metrics: { module: ./metrics.mjs }
llmRequestCosts:
  - { metadataKey: total, type: TotalToken }
  - { metadataKey: weighted, type: CEL, celExpression: "input_tokens + output_tokens * 3u" }
rules:
  - name: openai
    headers: [{ name: x-ai-eg-model, prefix: "gpt-" }]
    backends: [{ name: openai, host: api.openai.com }]
  - name: premium
    headers: [{ name: x-tenant, present: true }]
    backends: [{ name: openai-premium, host: api.openai.com }]
`,
  'package.yaml': `router: { module: '@acme/llm-router' }
`,
  'typo.yaml': `rules:
  - name: openai
    headers:
      - { name: x-ai-eg-model, prefx: "gpt-" }
`,
  'not-a-function.yaml': `rules:
  - name: openai
    headers: [{ name: x-ai-eg-model, prefix: "gpt-" }]
    backends: [{ name: openai, host: api.openai.com }]
router:
  module: ./not-a-function.mjs
`,
  'throwing-router.yaml': `router: { module: ./throwing-router.mjs }
`,
  'missing-module.yaml': `router: { module: ./no-such-router.mjs }
`,
  'bad-metrics.yaml': `metrics:
  module: ./bad-metrics.mjs
`,
  'bad-cel.yaml': `llmRequestCosts:
  - { metadataKey: fine, type: InputToken }
  - metadataKey: broken_cost
    type: CEL
    celExpression: "input_tokens *"
`,
  'budgets-no-ledger.yaml': `rules: [{ name: openai, backends: [{ name: openai, host: api.openai.com }] }]
budgets:
  - { project: acme, window: day, maxTokens: 1000 }
  - { window: month, maxTokens: 500000 }
`,
  'cost-budget-unpriced.yaml': `rules: [{ name: openai, backends: [{ name: openai, host: api.openai.com }] }]
ledger: { enabled: true }
budgets:
  - { window: month, maxCostUsd: 50 }
`,
  'translated.yaml': `rules:
  - name: mixed
    backends:
      - { name: openai, schema: { name: OpenAI }, host: api.openai.com }
      - { name: bedrock, schema: { name: AWSBedrock }, auth: { aws: { region: us-east-1, credentialFileLiteral: x } } }
      - { name: vertex, schema: { name: GCPVertexAI }, host: us-east5-aiplatform.googleapis.com }
`,
  'budgets-with-ledger.yaml': `rules: [{ name: openai, backends: [{ name: openai, host: api.openai.com }] }]
ledger: { enabled: true }
budgets:
  - { project: acme, window: day, maxTokens: 1000 }
`,
  'budgets-and-bad-cel.yaml': `rules: [{ name: openai, backends: [{ name: openai, host: api.openai.com }] }]
llmRequestCosts:
  - { metadataKey: broken, type: CEL, celExpression: "input_tokens *" }
budgets: [{ window: day, maxTokens: 10 }]
`,
  'schema-router.mjs': `import { z } from ${JSON.stringify(import.meta.resolve('zod'))};
export const optionsSchema = z.strictObject({ rule: z.string(), models: z.array(z.string()) });
export default (defaultRouter, ctx) => ({ calculate: () => ctx.options.rule });
`,
  'bad-options.yaml': `router:
  module: ./schema-router.mjs
  options:
    rule: premium
    models: [gpt-4o, 42]
`,
  'many-problems.yaml': `router: { module: ./not-a-function.mjs }
metrics: { module: ./bad-metrics.mjs }
llmRequestCosts:
  - { metadataKey: a, type: CEL, celExpression: "input_tokens * 2" }
  - { metadataKey: b, type: CEL, cel: "model" }
  - { metadataKey: c, type: InputToken }
  - { metadataKey: c, type: OutputToken }
`,
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'check-'));
  for (const [name, text] of Object.entries(FILES)) await writeFile(join(dir, name), text);
  const pkg = join(dir, 'node_modules', '@acme', 'llm-router');
  await mkdir(pkg, { recursive: true });
  await writeFile(join(pkg, 'package.json'), JSON.stringify({ name: '@acme/llm-router', version: '2.1.0', type: 'module', exports: './index.js' }));
  await writeFile(join(pkg, 'index.js'), ROUTER_OK);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs the CLI in the temporary directory, collecting what it writes. */
const run = (...argv: string[]): Promise<CliRun> => runCliIn(dir, argv);

describe('llm-extproc check', () => {
  it('shows what each backend reached by translation does with OpenAI and Anthropic requests, and warns about Vertex AI without a project', async () => {
    const r = await run('check', '--config', 'translated.yaml');
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/rules\[0\]\.backends\[2\]\.auth\.gcp \(line \d+\)|rules\[0\]\.backends\[2\]\.auth\.gcp:/);
    const json = JSON.parse((await run('check', '--config', 'translated.yaml', '--json')).out) as { translations: Array<{ backend: string; openaiChatCompletions: { kind: string; translation: string } }> };
    expect(json.translations[1]!.openaiChatCompletions.translation).toBe('openai.chat_completions → Amazon Bedrock Converse (bedrock-converse)');
    expect(json.translations.map((t) => [t.backend, t.openaiChatCompletions.kind])).toEqual([
      ['openai', 'none'],
      ['bedrock', 'translate'],
      ['vertex', 'unsupported'],
    ]);
  });

  it('exits 0 for a valid config with a summary naming the loaded modules', async () => {
    const r = await run('check', '--config', 'valid.yaml');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toBe('valid.yaml: valid (2 rules; router module ./router.mjs, metrics module ./metrics.mjs loaded)\n');
  });

  it('--json reports modules with path and mtime, and the compiled request costs', async () => {
    const r = await run('check', '--config', 'valid.yaml', '--json');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out) as CheckReport;
    expect(report).toMatchObject({
      file: 'valid.yaml',
      valid: true,
      problems: [],
      rules: 2,
      modules: {
        router: { specifier: './router.mjs', kind: 'file', path: join(dir, 'router.mjs') },
        metrics: { specifier: './metrics.mjs', kind: 'file', path: join(dir, 'metrics.mjs') },
      },
      requestCosts: [
        { metadataKey: 'total', type: 'TotalToken' },
        { metadataKey: 'weighted', type: 'CEL' },
      ],
    });
    expect(Number.isNaN(Date.parse((report.modules?.router as { mtime: string }).mtime))).toBe(false);
  });

  it('names a package module with its version', async () => {
    const r = await run('check', '--config', 'package.yaml');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toBe('package.yaml: valid (0 rules; router module @acme/llm-router@2.1.0 loaded)\n');
    const json = JSON.parse((await run('check', '--config', 'package.yaml', '--json')).out) as CheckReport;
    expect(json.modules).toEqual({ router: { specifier: '@acme/llm-router', kind: 'package', name: '@acme/llm-router', version: '2.1.0' } });
  });

  it('exits 1 for a typo in a key, naming its path and line', async () => {
    const r = await run('check', '--config', 'typo.yaml');
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toContain('typo.yaml: 2 problem(s)');
    expect(r.err).toContain('  rules[0].headers[0].prefx (line 4): unknown key: did you mean `prefix`?\n');
    expect(r.err).toMatch(/ {2}rules\[0\]\.headers\[0\] \(line 4\): a header matcher needs exactly one of/);
  });

  it('exits 1 when the router module does not default-export a function, naming the module and its line', async () => {
    const r = await run('check', '--config', 'not-a-function.yaml');
    expect(r.code).toBe(1);
    expect(r.err).toBe(
      'not-a-function.yaml: 1 problem(s)\n' +
        '  router.module (line 6): module "./not-a-function.mjs": default export must be a factory function, got object\n',
    );
  });

  it('exits 1 when the router factory throws or the module cannot be imported', async () => {
    const thrown = await run('check', '--config', 'throwing-router.yaml');
    expect(thrown.code).toBe(1);
    expect(thrown.err).toContain('router.module (line 1): module "./throwing-router.mjs": factory threw: option rule is required');
    const missing = await run('check', '--config', 'missing-module.yaml');
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('router.module (line 1): module "./no-such-router.mjs": cannot be imported');
  });

  it('exits 1 when the metrics module returns no newRequest()', async () => {
    const r = await run('check', '--config', 'bad-metrics.yaml');
    expect(r.code).toBe(1);
    expect(r.err).toContain('metrics.module (line 2): module "./bad-metrics.mjs": metrics factory must return an object with a newRequest() method');
  });

  it('exits 1 for hook modules with bad options or no hook method, naming each entry and its line', async () => {
    const { code, err } = await run('check', '--config', 'hooks.yaml');
    expect(code).toBe(1);
    expect(err).toContain('hooks.yaml: 2 problem(s)');
    expect(err).toContain('hooks[1].options.header (line 3): module "./hook.mjs": required');
    expect(err).toMatch(/hooks\[2\]\.module \(line 4\).*unknown hook method onRequst/);
    expect(err).not.toContain('hooks[0]');
  });

  it('exits 1 for a CEL expression that does not compile, naming its metadataKey', async () => {
    const r = await run('check', '--config', 'bad-cel.yaml');
    expect(r.code).toBe(1);
    expect(r.err).toContain('bad-cel.yaml: 1 problem(s)');
    expect(r.err).toMatch(/ {2}llmRequestCosts\[1\]\.celExpression \(line 5\): metadataKey "broken_cost": invalid CEL expression: /);
  });

  it('reports every problem of a file, not only the first', async () => {
    const r = await run('check', '--config', 'many-problems.yaml', '--json');
    expect(r.code).toBe(1);
    const report = JSON.parse(r.out) as CheckReport;
    expect(report.valid).toBe(false);
    expect(report.problems.map((p) => [p.path, p.line])).toEqual([
      ['router.module', 1],
      ['metrics.module', 2],
      ['llmRequestCosts[0].celExpression', 4],
      ['llmRequestCosts[1].cel', 5],
      ['llmRequestCosts[3].metadataKey', 7],
    ]);
    expect(report.problems[2]!.message).toContain('metadataKey "a"');
    expect(report.problems[2]!.message).toContain('write integer literals with a u suffix');
    expect(report.problems[3]!.message).toContain('metadataKey "b": ');
    expect(report.problems[3]!.message).toContain('result must be a number');
    expect(report.problems[4]!.message).toBe('metadataKey "c": duplicate metadataKey');
  });

  it("reports each option a module's optionsSchema refuses, with its path and line", async () => {
    const r = await run('check', '--config', 'bad-options.yaml', '--json');
    expect(r.code).toBe(1);
    const report = JSON.parse(r.out) as CheckReport;
    expect(report.problems).toEqual([{ path: 'router.options.models[1]', line: 5, message: expect.stringMatching(/^module "\.\/schema-router\.mjs": .*expected string/) }]);
  });

  it('exits 1 for a file that does not exist', async () => {
    const r = await run('check', '--config', 'nowhere.yaml');
    expect(r.code).toBe(1);
    expect(r.err).toContain('nowhere.yaml: 1 problem(s)');
    expect(r.err).toContain('cannot read file');
    const json = await run('check', '--config', 'nowhere.yaml', '--json');
    expect(json.code).toBe(1);
    expect(JSON.parse(json.out)).toMatchObject({ file: 'nowhere.yaml', valid: false, problems: [{ path: '' }] });
  });

  it('warns, with path and line, about budgets that would not be enforced because the ledger is off, and still exits 0', async () => {
    const r = await run('check', '--config', 'budgets-no-ledger.yaml');
    expect(r.code).toBe(0);
    expect(r.out).toBe('budgets-no-ledger.yaml: valid (1 rules)\n');
    expect(r.err).toBe(
      'budgets-no-ledger.yaml: 1 warning(s)\n' +
        '  budgets (line 2): 2 budgets are not enforced: budgets need ledger.enabled (their spend is counted from the ledger)\n',
    );
    const json = await run('check', '--config', 'budgets-no-ledger.yaml', '--json');
    expect(json.code).toBe(0);
    expect(json.err).toBe('');
    const report = JSON.parse(json.out) as CheckReport;
    expect(report.valid).toBe(true);
    expect(report.problems).toEqual([]);
    expect(report.warnings).toEqual([{ path: 'budgets', line: 2, message: expect.stringContaining('budgets need ledger.enabled') as unknown }]);
  });

  it('warns that a cost budget without a price table is never reached', async () => {
    const r = await run('check', '--config', 'cost-budget-unpriced.yaml');
    expect(r.code).toBe(0);
    expect(r.err).toBe(
      'cost-budget-unpriced.yaml: 1 warning(s)\n' +
        '  budgets[0].maxCostUsd (line 4): a cost budget without pricing.file is never reached: no request is priced, so no cost is counted against it\n',
    );
  });

  it('gives no warning for budgets with the ledger on', async () => {
    const r = await run('check', '--config', 'budgets-with-ledger.yaml');
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    expect(JSON.parse((await run('check', '--config', 'budgets-with-ledger.yaml', '--json')).out)).toMatchObject({ valid: true, warnings: [] });
  });

  it('lists warnings after the problems of an invalid file; the problems decide the exit code', async () => {
    const r = await run('check', '--config', 'budgets-and-bad-cel.yaml');
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toMatch(
      /^budgets-and-bad-cel\.yaml: 1 problem\(s\)\n {2}llmRequestCosts\[0\]\.celExpression \(line 3\): [^\n]+\nbudgets-and-bad-cel\.yaml: 1 warning\(s\)\n {2}budgets \(line 4\): 1 budget is not enforced: /,
    );
  });

  it('takes the file from LLM_EXTPROC_CONFIG when --config is not given', async () => {
    const { code, out } = await runCliIn(dir, ['check'], { config: 'valid.yaml' });
    expect(code).toBe(0);
    expect(out).toContain('valid.yaml: valid (2 rules;');
  });
});
