/**
 * docs/configuration.md's "Command line" table must list every command, subcommand and flag
 * the CLI accepts (from the same command table `--help` prints), and no flag it does not.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from './commands.js';

const DOC = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');

/** The rows of the table under `## Command line`: command cell and flags cell. */
function commandRows(): { command: string; flags: string }[] {
  const section = /^## Command line\n([\s\S]*?)(?=^## )/m.exec(DOC)?.[1] ?? '';
  return section
    .split('\n')
    .filter((l) => l.startsWith('|') && !/^\|\s*(command|---)/.test(l))
    .map((l) => {
      const [command = '', flags = ''] = l.replace(/^\|/, '').split(/(?<!\\)\|/);
      return { command, flags };
    });
}

/** The subcommands a usage line names: `keys <create|list|…>`. */
function subcommands(usage: string): string[] {
  return /<([a-z|-]+)>/.exec(usage)?.[1]?.split('|') ?? [];
}

const rows = commandRows();
const rowOf = (name: string) => rows.find((r) => [...r.command.matchAll(/`([^`]+)`/g)].some((m) => m[1]!.split(' ')[0] === name));

describe('docs/configuration.md, Command line', () => {
  it('has a row per command', () => {
    expect(rows.length).toBe(Object.keys(COMMANDS).length);
    for (const name of Object.keys(COMMANDS)) expect(rowOf(name), name).toBeDefined();
  });

  it('names every subcommand', () => {
    for (const spec of Object.values(COMMANDS)) {
      const row = rowOf(spec.name)!;
      for (const sub of subcommands(spec.usage)) expect(row.command, `${spec.name} ${sub}`).toContain(`\`${spec.name} ${sub}`);
    }
    expect(subcommands(COMMANDS['keys']!.usage)).toContain('revoke');
  });

  it('lists exactly the flags of each command', () => {
    for (const spec of Object.values(COMMANDS)) {
      const documented = new Set([...rowOf(spec.name)!.flags.matchAll(/`--([a-z-]+)/g)].map((m) => m[1]!));
      expect([...documented].sort(), spec.name).toEqual(Object.keys(spec.options).sort());
    }
  });
});
