/**
 * The real service applies a module's `optionsSchema` when it builds a config generation: it
 * refuses to start on options the schema refuses, naming the config path and line, and hands the
 * factory the schema's output when they are fine.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { runCliIn } from '../../src/cli/test-cli.js';
import { parseConfig } from '../../src/config/load.js';
import type { ReplaySummary } from '../../src/replay/replay-summary.js';
import { startService } from '../support/service.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'module-options-it-'));
  await writeFile(
    join(dir, 'router.mjs'),
    `import { z } from ${JSON.stringify(import.meta.resolve('zod'))};
export const optionsSchema = z.strictObject({ rule: z.string().default('openai') });
export default (defaultRouter, ctx) => ({ calculate: () => ctx.options.rule });\n`,
  );
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const configText = (options: string) => `rules: [{ name: openai }]
router:
  module: ./router.mjs
  options:
${options}
`;

describe('module options in the running service', () => {
  it('refuses to start on a refused option, naming its path and line', async () => {
    const loaded = parseConfig(configText('    rule: 42'), join(dir, 'config.yaml'));
    const err = (await startService({ loaded, cwd: dir }).then(
      async (svc) => {
        await svc.stop();
        return undefined;
      },
      (e: unknown) => e,
    )) as Error | undefined;
    expect(err?.message).toMatch(/module "\.\/router\.mjs": invalid options:\n {2}router\.options\.rule \(line 5\): /);
  });

  it('starts with valid options, the defaults applied', async () => {
    const svc = await startService({ loaded: parseConfig(configText('    {}'), join(dir, 'config.yaml')), cwd: dir });
    try {
      // The router answers its `rule` option for every request: the schema's default, `openai`.
      const run = await runCliIn(ROOT, ['replay', 'examples/replay/exchanges.jsonl', '--target', svc.target, '--json']);
      expect(run.code).toBe(0);
      expect((JSON.parse(run.out) as ReplaySummary).rules).toEqual({ openai: 10 });
    } finally {
      await svc.stop();
    }
  });
});
