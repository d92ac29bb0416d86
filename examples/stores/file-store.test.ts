/**
 * The example store module (docs/extending.md, "Response store modules"): it keeps the response
 * store contract when loaded the way the service loads it, its entries outlive the store that
 * wrote them, and the service started from examples/config/file-store.yaml serves a hit from it
 * to the official OpenAI SDK, streaming included (the config shares entries between both forms).
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import type { CacheKey, StoredResponse } from '../../src/index.js';
import { describeResponseStoreContract, loadResponseStoreModule } from '../../src/testing.js';
import { chatCompletionJson } from '../../test/support/openai-bodies.js';
import { sampleSum } from '../../test/support/prometheus.js';
import { startService, type TestService } from '../../test/support/service.js';
import { jsonReply, startSingleRoute, type SingleRoute } from '../../test/support/single-route.js';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const CONFIG_FILE = fileURLToPath(new URL('../config/file-store.yaml', import.meta.url));

const dirs: string[] = [];
async function freshDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'file-store-'));
  dirs.push(dir);
  return dir;
}
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

describeResponseStoreContract('file store (examples/stores/file-store.mjs)', async () => loadResponseStoreModule('./file-store.mjs', { baseDir: HERE, options: { dir: await freshDir() } }));

describe('file store, alone', () => {
  const key: CacheKey = { project: 'team-a', rule: 'openai', model: 'gpt-4o', digest: 'f'.repeat(64) };
  const entry: StoredResponse = { status: 200, headers: [['content-type', 'application/json']], body: Buffer.from('{"ok":true}'), storedAt: 1, usage: { input: 3, output: 4 } };

  it('keeps entries for the next store over the same directory (a restart)', async () => {
    const dir = await freshDir();
    const first = await loadResponseStoreModule('./file-store.mjs', { baseDir: HERE, options: { dir } });
    await first.set(key, entry, 60_000);
    await first.close();
    const second = await loadResponseStoreModule('./file-store.mjs', { baseDir: HERE, options: { dir } });
    expect((await second.get(key))?.body.toString()).toBe('{"ok":true}');
    expect(await readdir(dir)).toHaveLength(1);
  });

  it('is quoted as it is in docs/extending.md', async () => {
    const doc = await readFile(fileURLToPath(new URL('../../docs/extending.md', import.meta.url)), 'utf8');
    const quotes: Array<[RegExp, string]> = [
      [/<!-- from examples\/stores\/file-store\.mjs -->\s*```js\n([\s\S]*?)```/g, await readFile(join(HERE, 'file-store.mjs'), 'utf8')],
      [/<!-- from examples\/config\/file-store\.yaml -->\s*```yaml\n([\s\S]*?)```/g, await readFile(CONFIG_FILE, 'utf8')],
    ];
    for (const [pattern, source] of quotes) {
      const blocks = [...doc.matchAll(pattern)].map((m) => m[1]!);
      expect(blocks.length).toBeGreaterThan(0);
      for (const block of blocks) expect(source).toContain(block);
    }
  });

  it('refuses options without a directory when the config loads, naming the option', async () => {
    await expect(loadResponseStoreModule('./file-store.mjs', { baseDir: HERE, options: {} })).rejects.toThrow(/file-store\.mjs[\s\S]*cache\.store\.options\.dir/);
    await expect(loadResponseStoreModule('./file-store.mjs', { baseDir: HERE, options: { dir: 'x', colour: 'red' } })).rejects.toThrow(/colour/);
  });
});

describe('the example store in the service', () => {
  let svc: TestService;
  let route: SingleRoute;
  let dir: string;

  beforeAll(async () => {
    dir = await freshDir();
    // The shipped config, its entry directory moved to a temporary one and its lookup bound raised for a
    // test machine busy with other suites; module paths still resolve from examples/config.
    const text = (await readFile(CONFIG_FILE, 'utf8')).replace('dir: ../../data/response-cache', `dir: ${JSON.stringify(dir)}`).replace('lookupTimeoutMs: 50', 'lookupTimeoutMs: 2000');
    expect(text).toContain(dir);
    expect(text).toContain('lookupTimeoutMs: 2000');
    svc = await startService({ loaded: parseConfig(text, CONFIG_FILE), readEnv: (name) => (name === 'OPENAI_API_KEY' ? 'sk-backend' : undefined) });
    route = await startSingleRoute({
      processorAddress: svc.target,
      handler: jsonReply(chatCompletionJson({ id: 'chatcmpl-file-1', model: 'gpt-4o-mini-2024-07-18', content: 'from the provider', usage: { prompt_tokens: 9, completion_tokens: 3, total_tokens: 12 } })),
    });
  });

  afterAll(async () => {
    await route?.close();
    await svc?.stop();
  });

  it('stores the first answer as a file and serves the repeated request from it, as a stream too', async () => {
    const { harness, upstream } = route;
    const openai = new OpenAI({ baseURL: `${harness.url}/v1`, apiKey: 'sk-client', maxRetries: 0 });
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'What is in the file store?' }];
    const first = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages }).withResponse();
    expect(first.response.headers.get('x-llm-extproc-cache')).toBe('miss');
    await harness.settled();
    await expect.poll(async () => sampleSum(await svc.metricsText(), 'llm_extproc_cache_stores_total', {})).toBe(1);
    expect((await readdir(dir)).filter((f) => f.endsWith('.entry'))).toHaveLength(1);

    const again = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages }).withResponse();
    expect(again.response.headers.get('x-llm-extproc-cache')).toBe('hit');
    expect(again.data).toEqual(first.data);
    const streamed = await openai.chat.completions.stream({ model: 'gpt-4o-mini', messages }).finalChatCompletion();
    expect(streamed.choices[0]!.message.content).toBe('from the provider');
    expect(upstream.requests).toHaveLength(1);
    expect(svc.logs.some((l) => l['msg'] === 'file store opened' && l['dir'] === dir)).toBe(true);
  });
});
