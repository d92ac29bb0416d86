import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { COMMANDS } from './commands.js';
import type { CliContext } from './run-cli.js';
import { validateServeOptions } from './serve.js';
import { runCliIn, type CliRun } from './test-cli.js';

const V02_FIXTURE = fileURLToPath(new URL('../../test/fixtures/aigw-v0.2-filter-config.yaml', import.meta.url));

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cli-'));
  await writeFile(join(dir, 'bad.yaml'), 'grpc:\n  adress: x\nrouter: { failureMode: sideways }\n');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs the CLI in the temporary directory, collecting what it writes. */
const run = (...argv: string[]): Promise<CliRun> => runCliIn(dir, argv);

describe('runCli', () => {
  it.each([['--help'], ['-h'], ['help']])('%s prints the command list and exits 0', async (flag) => {
    const r = await run(flag);
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    expect(r.out).toMatch(/^Usage: llm-extproc \[command\] \[options\]/);
    for (const name of Object.keys(COMMANDS)) expect(r.out).toContain(`  ${name}`);
  });

  it.each(Object.keys(COMMANDS))('%s --help prints usage, options and examples, and exits 0', async (name) => {
    const r = await run(name, '--help');
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    expect(r.out).toContain(`Usage: ${COMMANDS[name]!.usage}`);
    expect(r.out).toContain('Options:');
    expect(r.out).toContain('--help');
    expect(r.out).toContain('Examples:');
    for (const example of COMMANDS[name]!.examples) expect(r.out).toContain(`  ${example}`);
    for (const flag of Object.keys(COMMANDS[name]!.options)) expect(r.out).toContain(`--${flag}`);
  });

  it('-h works after a command too', async () => {
    const r = await run('check', '-h');
    expect(r.code).toBe(0);
    expect(r.out).toContain('Examples:');
  });

  it.each([['frobnicate'], ['constructor'], ['toString'], ['__proto__']])('unknown command %s exits 2 with a clear message', async (name) => {
    const r = await run(name);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toContain(`llm-extproc: unknown command ${JSON.stringify(name)}`);
    expect(r.err).toContain('Commands:');
  });

  it.each([
    [['check', '--nope'], 'check', "Unknown option '--nope'"],
    [['--nope'], 'serve', "Unknown option '--nope'"],
    [['serve', '--config'], 'serve', "argument missing"],
    [['check', 'extra-positional'], 'check', 'extra-positional'],
    [['envoy-config', '--full=yes'], 'envoy-config', '--full'],
  ])('%j exits 2 naming the problem and pointing to --help', async (argv, command, message) => {
    const r = await run(...argv);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toContain(`llm-extproc ${command}: `);
    expect(r.err).toContain(message);
    expect(r.err).toContain(`Run \`llm-extproc ${command} --help\` for usage.`);
  });

  it('check without --config (and no LLM_EXTPROC_CONFIG) exits 2', async () => {
    const r = await run('check');
    expect(r.code).toBe(2);
    expect(r.err).toContain('llm-extproc check: --config FILE is required (or set LLM_EXTPROC_CONFIG)');
  });

  it.each([['abc'], ['0'], ['70000'], ['8080.5']])('envoy-config --listener-port %s exits 2', async (port) => {
    const r = await run('envoy-config', '--listener-port', port);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`--listener-port must be a port number (got ${JSON.stringify(port)})`);
    expect(r.out).toBe('');
  });

  it('envoy-config --extproc-address that is no address exits 2', async () => {
    const r = await run('envoy-config', '--extproc-address', 'not an address');
    expect(r.code).toBe(2);
    expect(r.err).toContain('--extproc-address: invalid address "not an address"');
  });

  it('envoy-config on a config Envoy cannot be generated for exits 1 naming the problem', async () => {
    await writeFile(join(dir, 'no-host.yaml'), 'rules:\n  - name: r\n    backends: [{ name: b }]\n');
    const r = await run('envoy-config', '--config', 'no-host.yaml');
    expect(r.code).toBe(1);
    expect(r.err).toContain('cannot generate an Envoy config');
    expect(r.out).toBe('');
  });

  it('route with both --body and --model exits 2', async () => {
    const r = await run('route', '--body', 'req.json', '--model', 'gpt-4o');
    expect(r.code).toBe(2);
    expect(r.err).toContain('give --body or --model, not both');
  });

  it('check accepts an Envoy AI Gateway v0.2 filter config and exits 0', async () => {
    const r = await run('check', '--config', V02_FIXTURE);
    expect(r.code).toBe(0);
    expect(r.out).toBe(`${V02_FIXTURE}: valid (3 rules)\n`);
    // AI Gateway's filter config names backends without hosts (its own Envoy config has the
    // clusters): check says that envoy-config could not generate them, as warnings.
    const warnings = r.err.split('\n').filter((l) => l.startsWith('  '));
    expect(warnings).toHaveLength(3);
    for (const w of warnings) expect(w).toMatch(/^ {2}rules\[\d\] \(line \d+\): llm-extproc envoy-config would refuse this rule: rule "[^"]+" backend "[^"]+" has no host: /);
  });

  it('check lists each problem with path and line, and exits 1', async () => {
    const r = await run('check', '--config', 'bad.yaml');
    expect(r.code).toBe(1);
    expect(r.err).toContain('bad.yaml: 2 problem(s)');
    expect(r.err).toContain('grpc.adress (line 2): unknown key: did you mean `address`?');
    expect(r.err).toMatch(/router\.failureMode \(line 3\): /);
  });

  it('check --json reports problems as JSON on stdout', async () => {
    const r = await run('check', '--config', 'bad.yaml', '--json');
    expect(r.code).toBe(1);
    const report = JSON.parse(r.out) as { valid: boolean; problems: Array<{ path: string; line?: number }> };
    expect(report.valid).toBe(false);
    expect(report.problems.map((p) => [p.path, p.line])).toEqual([
      ['grpc.adress', 2],
      ['router.failureMode', 3],
    ]);
  });
});

describe('runCli: flag values are checked before anything starts', () => {
  /** Like `run`, with environment overrides, also counting signal handlers (registered only once serving). */
  const runWith = (env: Partial<CliContext['env']>, ...argv: string[]): Promise<CliRun> => runCliIn(dir, argv, env);

  it.each([
    [[], ['--log-level', 'bogus'], '--log-level must be one of fatal, error, warn, info, debug, trace, silent (got "bogus")'],
    [[], ['serve', '--log-level', 'INFO'], '--log-level must be one of'],
    [[], ['--grpc-address', 'notanaddress'], '--grpc-address: invalid address "notanaddress": expected host:port, [ipv6]:port or unix:/path'],
    [[], ['serve', '--grpc-address', '127.0.0.1:70000'], '--grpc-address: invalid address "127.0.0.1:70000": port out of range'],
    [[], ['--admin-address', 'unix:'], '--admin-address: invalid address "unix:": unix socket path is empty'],
    [['logLevel', 'loud'], [], 'LLM_EXTPROC_LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent (got "loud")'],
    [['grpcAddress', 'localhost'], [], 'LLM_EXTPROC_GRPC_ADDRESS: invalid address "localhost"'],
    [['adminAddress', ':x'], [], 'LLM_EXTPROC_ADMIN_ADDRESS: invalid address ":x"'],
  ] as Array<[[keyof CliContext['env'], string] | [], string[], string]>)('env %j, argv %j: exits 2 without starting', async (envPair, argv, message) => {
    const env = envPair.length ? { [envPair[0]]: envPair[1] } : {};
    const r = await runWith(env, ...argv);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toContain(`llm-extproc serve: ${message}`);
    expect(r.err).toContain('Run `llm-extproc serve --help` for usage.');
    expect(r.handlers).toBe(0);
  });

  it('a flag wins over the environment: a good --log-level hides a bad LLM_EXTPROC_LOG_LEVEL, then the bad address still stops it', async () => {
    const r = await runWith({ logLevel: 'loud' }, '--log-level', 'warn', '--grpc-address', 'nope');
    expect(r.code).toBe(2);
    expect(r.err).not.toContain('LLM_EXTPROC_LOG_LEVEL');
    expect(r.err).toContain('--grpc-address: invalid address "nope"');
  });

  it('treats empty environment variables as unset, as serve does when it uses them', () => {
    const env: CliContext['env'] = { config: '', grpcAddress: '', adminAddress: '', logLevel: '', otlp: { metricsExporter: undefined } };
    expect(() => validateServeOptions({}, env)).not.toThrow();
    expect(() => validateServeOptions({ 'grpc-address': '' }, env)).toThrow('--grpc-address: invalid address ""');
  });

  it.each(Object.keys(COMMANDS))('%s --bogus-flag exits 2', async (name) => {
    const r = await runWith({}, name, '--bogus-flag');
    expect(r.code).toBe(2);
    expect(r.err).toContain(`llm-extproc ${name}: Unknown option '--bogus-flag'`);
    expect(r.handlers).toBe(0);
  });

  it.each([['check'], ['route'], ['envoy-config']])('%s --json=x (a value for a boolean flag) exits 2', async (name) => {
    const r = await runWith({}, name, name === 'envoy-config' ? '--full=x' : '--json=x');
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
  });
});
