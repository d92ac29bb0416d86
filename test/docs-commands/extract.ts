/**
 * The shell commands README.md and docs/ show readers: every command of a ```sh / ```bash /
 * ```shell block (a line ending in `\` continues on the next), and every `$ command` line of a
 * plain block (a transcript: the lines after it, up to a blank line, are its expected output).
 *
 * A command says in its trailing comment what it needs that a checkout does not have —
 * `needs Envoy`, `needs Docker`, `needs Kubernetes` — and `exits 1` when failing is its point.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** What a command needs beyond a checkout, when it says so. */
export type Needs = 'Envoy' | 'Docker' | 'Kubernetes';

/** One documented command. */
export interface DocCommand {
  /** `file:line` of its first line. */
  readonly where: string;
  /** The command, continuation lines joined (comments kept: the shell drops them). */
  readonly text: string;
  readonly needs: Needs | undefined;
  /** The exit codes it may end with (0, or 1 when its comment says `exits 1`). */
  readonly exitCodes: readonly number[];
  /** For a transcript line: the output shown after it. */
  readonly output?: string;
}

const SHELL_FENCES = new Set(['sh', 'bash', 'shell']);

function commandOf(where: string, text: string, output?: string): DocCommand {
  const needs = /#.*\bneeds (Envoy|Docker|Kubernetes)\b/.exec(text)?.[1] as Needs | undefined;
  const exitCodes = /#.*\bexits 1\b/.test(text) ? [1] : [0];
  return output === undefined ? { where, text, needs, exitCodes } : { where, text, needs, exitCodes, output };
}

/** The commands of one Markdown text. */
export function commandsOf(file: string, markdown: string): DocCommand[] {
  const lines = markdown.split('\n');
  const found: DocCommand[] = [];
  let fence: string | undefined;
  let lang = '';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const marker = /^\s*(```+|~~~+)\s*(\S*)/.exec(line);
    if (marker) {
      if (fence === undefined) {
        fence = marker[1]!;
        lang = marker[2]!;
      } else if (line.trim().startsWith(fence)) fence = undefined;
      continue;
    }
    if (fence === undefined) continue;
    const where = `${file}:${i + 1}`;
    if (SHELL_FENCES.has(lang)) {
      if (line.trim() === '' || line.trim().startsWith('#')) continue;
      let text = line;
      while (text.trimEnd().endsWith('\\') && i + 1 < lines.length) text = `${text.trimEnd().slice(0, -1).trimEnd()} ${lines[++i]!.trim()}`;
      found.push(commandOf(where, text.trim()));
    } else if (lang === '' && line.startsWith('$ ')) {
      const output: string[] = [];
      while (i + 1 < lines.length && lines[i + 1]!.trim() !== '' && !/^\s*(```|~~~)/.test(lines[i + 1]!) && !lines[i + 1]!.startsWith('$ ')) output.push(lines[++i]!);
      found.push(commandOf(where, line.slice(2).trim(), output.join('\n')));
    }
  }
  return found;
}

/** README.md first, then docs/*.md in name order, of the repository at `root`. */
export function documentedCommands(root: string): Array<{ file: string; commands: DocCommand[] }> {
  const files = ['README.md', ...readdirSync(path.join(root, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => path.join('docs', f))];
  return files.map((file) => ({ file, commands: commandsOf(file, readFileSync(path.join(root, file), 'utf8')) }));
}

/** The program a command runs first (after `VAR=value` assignments). */
export function programOf(text: string): string {
  return text.replace(/^(?:[A-Z_][A-Z0-9_]*=(?:"[^"]*"|'[^']*'|\$\([^)]*\)|\S*)\s+)*/, '').split(/\s+/)[0] ?? '';
}

/** Why a command must say what it needs: it runs Envoy, Docker or kubectl, or talks to Envoy's listener. */
export function impliedNeeds(text: string): Needs | undefined {
  const program = programOf(text);
  if (program === 'envoy') return 'Envoy';
  if (program === 'docker' || /\bdocker compose\b/.test(text)) return 'Docker';
  if (program === 'kubectl') return 'Kubernetes';
  if (/\blocalhost:8080\b|127\.0\.0\.1:8080\b/.test(text)) return 'Envoy';
  return undefined;
}
