import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from './load.js';
import { isBlankConfig, loadConfigForReload } from './reload-read.js';

let dir: string;
let file: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'reload-read-'));
  file = join(dir, 'config.yaml');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const ONE_RULE = 'rules:\n  - name: openai\n    headers: [{ name: x-ai-eg-model, prefix: "gpt-" }]\n';
const TWO_RULES = ONE_RULE + '  - name: anthropic\n    headers: [{ name: x-ai-eg-model, prefix: "claude-" }]\n';

describe('isBlankConfig', () => {
  it.each([[''], ['\n\n'], ['# only a comment\n  # another\n'], ['---\n...\n'], ['   \r\n']])('%j is blank', (text) => {
    expect(isBlankConfig(text)).toBe(true);
  });
  it.each([[ONE_RULE], ['log: { level: info }'], ['{}']])('%j is not', (text) => {
    expect(isBlankConfig(text)).toBe(false);
  });
});

describe('loadConfigForReload', () => {
  it('loads a file that holds still', async () => {
    await writeFile(file, TWO_RULES);
    const loaded = await loadConfigForReload(file, { settleMs: 5 });
    expect(loaded.config.rules.map((r) => r.name)).toEqual(['openai', 'anthropic']);
  });

  it('refuses an empty file and one with only comments', async () => {
    await writeFile(file, '');
    await expect(loadConfigForReload(file, { settleMs: 5 })).rejects.toThrow(/empty/);
    await writeFile(file, '# being rewritten\n');
    await expect(loadConfigForReload(file, { settleMs: 5 })).rejects.toBeInstanceOf(ConfigError);
  });

  it('waits for a writer that truncates, then writes in steps, and loads only the whole text', async () => {
    // The writer's steps happen during the waits between reads, as a real writer's would.
    const steps = ['', 'rules:\n', ONE_RULE, TWO_RULES];
    await writeFile(file, steps[0]!);
    let step = 0;
    const loaded = await loadConfigForReload(file, {
      settleMs: 5,
      sleep: async () => {
        if (++step < steps.length) await writeFile(file, steps[step]!);
      },
    });
    expect(loaded.config.rules.map((r) => r.name)).toEqual(['openai', 'anthropic']);
    expect(step).toBe(steps.length); // it read once more after the last write before trusting it
  });

  it('refuses a file that never holds still', async () => {
    let n = 0;
    await writeFile(file, ONE_RULE);
    await expect(
      loadConfigForReload(file, { settleMs: 1, maxWaitMs: 30, sleep: async () => writeFile(file, `${ONE_RULE}# ${n++}\n`) }),
    ).rejects.toThrow(/still changing/);
  });

  it('names an unreadable file', async () => {
    await expect(loadConfigForReload(join(dir, 'missing.yaml'), { settleMs: 1 })).rejects.toThrow(/cannot read file/);
  });
});
