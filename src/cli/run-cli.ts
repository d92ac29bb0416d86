/**
 * Parses the command line and runs a command. Unknown flags and bad values exit 2 with a clear
 * message; `--help` prints usage with examples.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError, type CliIo, type ExitCode } from './io.js';
import { runServe, type ServeEnv } from './serve.js';
import { COMMANDS, type CommandSpec } from './commands.js';

/** Everything main.ts hands to the CLI. */
export interface CliContext {
  readonly env: ServeEnv;
  readonly io: CliIo;
  readonly signals: { on(signal: 'SIGTERM' | 'SIGINT' | 'SIGHUP', handler: () => void): void };
}

function usage(spec: CommandSpec): string {
  const lines = [`Usage: ${spec.usage}`, '', spec.summary, '', 'Options:'];
  for (const [name, o] of Object.entries(spec.options)) {
    const flag = `  --${name}${o.type === 'string' ? ` ${o.valueName ?? 'VALUE'}` : ''}${o.multiple ? ' ...' : ''}`;
    lines.push(`${flag.padEnd(30)} ${o.help}`);
  }
  lines.push('  --help'.padEnd(31) + 'show this help', '', 'Examples:', ...spec.examples.map((e) => `  ${e}`), '');
  return lines.join('\n');
}

function topUsage(): string {
  return [
    'Usage: llm-extproc [command] [options]',
    '',
    'Commands:',
    ...Object.values(COMMANDS).map((c) => `  ${c.name.padEnd(14)} ${c.summary}`),
    '',
    'Run `llm-extproc <command> --help` for the options of a command. Without a command, `serve` runs.',
    '',
  ].join('\n');
}

/** Runs the CLI; resolves with the exit code. */
export async function runCli(argv: readonly string[], ctx: CliContext): Promise<ExitCode> {
  const first = argv[0];
  if (first === '--help' || first === '-h' || first === 'help') {
    ctx.io.out(topUsage());
    return 0;
  }
  const named = first !== undefined && !first.startsWith('-');
  const commandName = named ? first : 'serve';
  const spec = Object.hasOwn(COMMANDS, commandName) ? COMMANDS[commandName] : undefined;
  if (!spec) {
    ctx.io.err(`llm-extproc: unknown command ${JSON.stringify(commandName)}\n\n${topUsage()}`);
    return 2;
  }
  const options: ParseArgsConfig['options'] = { help: { type: 'boolean', short: 'h' } };
  for (const [name, o] of Object.entries(spec.options)) {
    options[name] = { type: o.type, ...(o.multiple ? { multiple: true } : {}) };
  }
  let values: Record<string, unknown>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: argv.slice(named ? 1 : 0), options, strict: true, allowPositionals: spec.positionals === true }));
  } catch (err) {
    ctx.io.err(`llm-extproc ${spec.name}: ${(err as Error).message}\nRun \`llm-extproc ${spec.name} --help\` for usage.\n`);
    return 2;
  }
  if (values['help']) {
    ctx.io.out(usage(spec));
    return 0;
  }
  try {
    if (spec.name === 'serve') return await runServe(values, ctx);
    return await spec.run(values, ctx.io, ctx.env, positionals);
  } catch (err) {
    if (err instanceof UsageError) {
      ctx.io.err(`llm-extproc ${spec.name}: ${err.message}\nRun \`llm-extproc ${spec.name} --help\` for usage.\n`);
      return 2;
    }
    throw err;
  }
}
