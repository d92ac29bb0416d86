import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCliIn, type CliRun } from './test-cli.js';
import type { RouteReport } from './route.js';

let dir: string;

const FILES: Record<string, string> = {
  // A router module as users write them: premium tenants get their own rule, the rest the default router.
  'tenant-router.mjs': `export default function createRouter(defaultRouter, { options }) {
  return {
    async calculate(headers, request) {
      if (headers['x-tenant'] === 'premium' && request?.body()?.metadata?.tier === 'gold') return options.rule;
      return defaultRouter.calculate(headers, request);
    },
  };
}
`,
  'tenant.yaml': `router: { module: ./tenant-router.mjs, options: { rule: premium-openai } }
rules:
  - name: openai
    headers: [{ name: x-ai-eg-model, prefix: "gpt-" }]
  - name: premium-openai
    headers: [{ name: x-tenant, present: true }]
`,
  'request.json': JSON.stringify({ model: 'gpt-4o', metadata: { tier: 'gold' }, messages: [{ role: 'user', content: 'hi' }] }),
  'broken-router.yaml': 'router: { module: ./missing-router.mjs }\n',
  'failing-router.mjs': 'export default () => ({ calculate() { throw new Error("tenant service down"); } });\n',
  'failing-closed.yaml': 'router: { module: ./failing-router.mjs }\nrules: [{ name: openai, headers: [{ name: x-ai-eg-model, prefix: "gpt-" }] }]\n',
  'failing-open.yaml': 'router: { module: ./failing-router.mjs, failureMode: open }\nrules: [{ name: openai, headers: [{ name: x-ai-eg-model, prefix: "gpt-" }] }]\n',
  'g.json': JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }] }),
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'route-'));
  for (const [name, text] of Object.entries(FILES)) await writeFile(join(dir, name), text);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs the CLI in the temporary directory, collecting what it writes. */
const run = (...argv: string[]): Promise<CliRun> => runCliIn(dir, argv);

async function runJson(...argv: string[]): Promise<{ code: number; report: RouteReport }> {
  const r = await run(...argv, '--json');
  expect(r.err).toBe('');
  return { code: r.code, report: JSON.parse(r.out) as RouteReport };
}

describe('llm-extproc route', () => {
  it('routes gpt-4o-mini to the openai rule of the embedded default and shows the headers set', async () => {
    const r = await run('route', '--model', 'gpt-4o-mini');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toBe(
      [
        'request:      POST /v1/chat/completions',
        'api:          openai.chat_completions',
        'model:        gpt-4o-mini',
        'stream:       false',
        'rule:         openai',
        'set headers:  x-ai-eg-selected-route: openai, x-ai-eg-model: gpt-4o-mini',
        'remove:       -',
        'clear_route_cache: true',
        '',
      ].join('\n'),
    );
  });

  it('refuses a model no rule matches with 404 and the OpenAI error body, exit 1', async () => {
    const r = await run('route', '--model', 'llama');
    expect(r.code).toBe(1);
    expect(r.out).toContain('outcome:      refused with HTTP 404');
    expect(r.out).toContain('rules:        openai, anthropic, gemini — none matched x-ai-eg-model: llama');
    const { code, report } = await runJson('route', '--model', 'llama');
    expect(code).toBe(1);
    expect(report.rule).toBeNull();
    expect(report.headerMutations).toEqual({ set: {}, remove: [] });
    expect(report.clientResponse).toEqual({
      status: 404,
      headers: { 'content-type': 'application/json' },
      body: { error: { message: 'no route for model "llama"', type: 'invalid_request_error', param: 'model', code: 'model_not_found' } },
    });
  });

  it('detects the Anthropic Messages API and routes claude models to the anthropic rule', async () => {
    const { code, report } = await runJson('route', '--path', '/v1/messages', '--model', 'claude-sonnet-4-5', '--header', 'anthropic-version=2023-06-01');
    expect(code).toBe(0);
    expect(report).toMatchObject({ api: 'anthropic.messages', model: 'claude-sonnet-4-5', stream: false, rule: 'anthropic' });
    expect(report.headerMutations.set).toEqual({ 'x-ai-eg-selected-route': 'anthropic', 'x-ai-eg-model': 'claude-sonnet-4-5' });
    expect(report.request.headers['anthropic-version']).toBe('2023-06-01');
  });

  it('refuses in the Anthropic error shape on the Anthropic API', async () => {
    const { code, report } = await runJson('route', '--path', '/v1/messages', '--model', 'llama');
    expect(code).toBe(1);
    expect(report.clientResponse?.status).toBe(404);
    expect(report.clientResponse?.body).toMatchObject({ type: 'error', error: { type: 'not_found_error' } });
  });

  it('routes a Gemini request from its URL when there is no body', async () => {
    const { code, report } = await runJson('route', '--path', '/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse');
    expect(code).toBe(0);
    expect(report).toMatchObject({ api: 'gemini.generate_content', model: 'gemini-2.5-flash', stream: true, rule: 'gemini', clearRouteCache: true });
    expect(report.request.headers).not.toHaveProperty('content-length');
    expect(report.headerMutations.set).toEqual({ 'x-ai-eg-selected-route': 'gemini', 'x-ai-eg-model': 'gemini-2.5-flash' });
  });

  it('reports a Gemini generateContent?alt=sse request as streaming, from its URL', async () => {
    const sse = await runJson('route', '--path', '/v1beta/models/gemini-2.0-flash:generateContent?alt=sse', '--body', 'g.json');
    expect(sse.code).toBe(0);
    expect(sse.report).toMatchObject({ api: 'gemini.generate_content', model: 'gemini-2.0-flash', stream: true, rule: 'gemini' });
    const plain = await runJson('route', '--path', '/v1beta/models/gemini-2.0-flash:generateContent', '--body', 'g.json');
    expect(plain.report).toMatchObject({ model: 'gemini-2.0-flash', stream: false });
    const vertex = await runJson('route', '--path', '/v1/projects/p/locations/us-central1/publishers/google/models/gemini-2.0-flash:generateContent?alt=sse', '--body', 'g.json');
    expect(vertex.report).toMatchObject({ api: 'vertex_ai.generate_content', stream: true });
    const text = await run('route', '--path', '/v1beta/models/gemini-2.0-flash:generateContent?alt=sse', '--body', 'g.json');
    expect(text.out).toContain('stream:       true');
  });

  it('runs a custom router module on a body file and request headers', async () => {
    const premium = await runJson('route', '--config', 'tenant.yaml', '--body', 'request.json', '--header', 'x-tenant=premium');
    expect(premium.code).toBe(0);
    expect(premium.report).toMatchObject({ model: 'gpt-4o', rule: 'premium-openai' });
    expect(premium.report.headerMutations.set).toEqual({ 'x-ai-eg-selected-route': 'premium-openai', 'x-ai-eg-model': 'gpt-4o' });
    const other = await runJson('route', '--config', 'tenant.yaml', '--body', 'request.json', '--header', 'x-tenant=basic');
    expect(other.report.rule).toBe('openai');
  });

  it('shows the translation an OpenAI request for a Claude model gets on the embedded default', async () => {
    const r = await run('route', '--model', 'claude-sonnet-4-5');
    expect(r.code).toBe(0);
    expect(r.out).toContain('translation:  anthropic: openai.chat_completions → the Anthropic API (anthropic)\n');
    const { report } = await runJson('route', '--model', 'claude-sonnet-4-5');
    expect(report.translations).toEqual([{ backend: 'anthropic', kind: 'translate', translation: 'openai.chat_completions → the Anthropic API (anthropic)' }]);
    const native = await runJson('route', '--path', '/v1/messages', '--model', 'claude-sonnet-4-5');
    expect(native.report.api).toBe('anthropic.messages');
    expect(native.report.translations).toBeUndefined();
  });

  it('--json prints exactly the documented fields', async () => {
    const { report } = await runJson('route', '--model', 'gpt-4o-mini');
    expect(Object.keys(report).sort()).toEqual(['api', 'bodyReplaced', 'clearRouteCache', 'headerMutations', 'model', 'request', 'rule', 'stream']);
    expect(report).toEqual({
      request: {
        method: 'POST',
        path: '/v1/chat/completions',
        headers: {
          ':method': 'POST',
          ':path': '/v1/chat/completions',
          ':authority': 'llm-extproc.local',
          ':scheme': 'http',
          'content-type': 'application/json',
          'content-length': String(report.request.headers['content-length']),
        },
      },
      api: 'openai.chat_completions',
      model: 'gpt-4o-mini',
      stream: false,
      rule: 'openai',
      headerMutations: { set: { 'x-ai-eg-selected-route': 'openai', 'x-ai-eg-model': 'gpt-4o-mini' }, remove: [] },
      clearRouteCache: true,
      bodyReplaced: false,
    });
    const refused = await runJson('route', '--model', 'llama');
    expect(Object.keys(refused.report).sort()).toEqual([
      'api',
      'bodyReplaced',
      'clearRouteCache',
      'clientResponse',
      'headerMutations',
      'model',
      'request',
      'rule',
      'stream',
    ]);
  });

  it('--stream shows the usage request added to an OpenAI streaming body', async () => {
    const { report } = await runJson('route', '--model', 'gpt-4o', '--stream');
    expect(report.stream).toBe(true);
    expect(report.bodyReplaced).toBe(true);
    expect(Number(report.headerMutations.set['content-length'])).toBeGreaterThan(Number(report.request.headers['content-length']));
  });

  it('removes internal headers a client sent itself', async () => {
    const { report } = await runJson('route', '--model', 'gpt-4o', '--header', 'x-ai-eg-selected-route=gemini');
    expect(report.rule).toBe('openai');
    expect(report.headerMutations.remove).toEqual(['x-ai-eg-selected-route']);
    expect(report.headerMutations.set['x-ai-eg-selected-route']).toBe('openai');
  });

  it('explains why nothing is routed in STREAMED body mode', async () => {
    const r = await run('route', '--model', 'gpt-4o', '--body-mode', 'streamed');
    expect(r.code).toBe(0);
    expect(r.out).toContain('request:      POST /v1/chat/completions (request body mode STREAMED)');
    expect(r.out).toContain('rule:         (none: in STREAMED body mode the headers go upstream before the body');
    expect(r.out).toContain('set headers:  -');
  });

  it('answers GET /v1/models itself with 200 and exits 0', async () => {
    const { code, report } = await runJson('route', '--method', 'get', '--path', '/v1/models');
    expect(code).toBe(0);
    expect(report.clientResponse).toMatchObject({ status: 200, body: { object: 'list' } });
  });

  it('exits 1 naming the module when the config cannot be loaded', async () => {
    const r = await run('route', '--config', 'broken-router.yaml', '--model', 'gpt-4o');
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toContain('module "./missing-router.mjs": cannot be imported');
  });

  it.each([
    [['--body', 'request.json', '--model', 'gpt-4o'], 'give --body or --model, not both'],
    [['--header', 'x-tenant'], '--header "x-tenant": expected NAME=VALUE'],
    [['--header', '=premium'], '--header "=premium": expected NAME=VALUE'],
    [['--header', 'x tenant=premium'], '--header "x tenant=premium": expected NAME=VALUE with a valid header name'],
    [['--header', ':path=/v1/messages'], 'set pseudo-headers with --method and --path'],
    [['--stream'], '--stream goes with --model'],
    [['--model', ''], '--model must not be empty'],
    [['--body-mode', 'chunked'], '--body-mode must be one of BUFFERED, BUFFERED_PARTIAL, STREAMED, FULL_DUPLEX_STREAMED, NONE (got "chunked")'],
    [['--method', 'GE T'], '--method must be an HTTP method'],
    [['--path', 'v1/chat/completions'], '--path must start with /'],
    [['--body', 'no-such.json'], '--body: cannot read no-such.json'],
    [['--header'], 'argument missing'],
  ])('%j exits 2 with a clear message', async (args, message) => {
    const r = await run('route', ...args);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toContain(`llm-extproc route: `);
    expect(r.err).toContain(message);
  });

  it('prints a router failure\'s reason as a line of the answer, not as a JSON log line', async () => {
    const r = await run('route', '--config', 'failing-closed.yaml', '--model', 'gpt-4o');
    expect(r.code).toBe(1);
    expect(r.err).toBe('');
    expect(r.out).toContain('outcome:      refused with HTTP 503\nreason:       the router failed: tenant service down (router.failureMode: closed)\n');
    const { report } = await runJson('route', '--config', 'failing-closed.yaml', '--model', 'gpt-4o');
    expect(report.routerError).toBe('tenant service down');
  });

  it('says the router failed when failureMode open let the default router choose', async () => {
    const r = await run('route', '--config', 'failing-open.yaml', '--model', 'gpt-4o');
    expect(r.code).toBe(0);
    expect(r.out).toContain('rule:         openai\nrouter:       failed (tenant service down); the default router chose instead (router.failureMode: open)\n');
  });
});
