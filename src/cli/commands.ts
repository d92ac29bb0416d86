/**
 * The CLI's commands: their flags, help text and examples. Command code is imported on use, so
 * `serve` does not load the one-shot commands.
 */
import type { CliIo, ExitCode } from './io.js';
import type { ServeEnv } from './serve.js';

/** One flag of a command. */
export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly multiple?: boolean;
  readonly valueName?: string;
  readonly help: string;
}

/** One command. */
export interface CommandSpec {
  readonly name: string;
  readonly usage: string;
  readonly summary: string;
  readonly options: Readonly<Record<string, OptionSpec>>;
  readonly examples: readonly string[];
  /** Takes positional arguments (a subcommand and its arguments). */
  readonly positionals?: boolean;
  run(values: Record<string, unknown>, io: CliIo, env: ServeEnv, positionals: readonly string[]): Promise<ExitCode>;
}

const configFlag: OptionSpec = { type: 'string', valueName: 'FILE', help: 'config file (default: $LLM_EXTPROC_CONFIG, else the embedded default)' };

/** All commands by name. */
export const COMMANDS: Readonly<Record<string, CommandSpec>> = {
  serve: {
    name: 'serve',
    usage: 'llm-extproc [serve] [--config FILE] [--grpc-address ADDR] [--admin-address ADDR] [--log-level LEVEL]',
    summary: 'Serve the ext_proc gRPC API (default 0.0.0.0:50051) and the admin HTTP port (default 0.0.0.0:9464).',
    options: {
      config: configFlag,
      'grpc-address': { type: 'string', valueName: 'ADDR', help: 'gRPC listen address: host:port or unix:/path (env LLM_EXTPROC_GRPC_ADDRESS)' },
      'admin-address': { type: 'string', valueName: 'ADDR', help: 'admin HTTP listen address (env LLM_EXTPROC_ADMIN_ADDRESS)' },
      'log-level': { type: 'string', valueName: 'LEVEL', help: 'fatal|error|warn|info|debug|trace|silent (env LLM_EXTPROC_LOG_LEVEL)' },
    },
    examples: [
      'llm-extproc',
      'llm-extproc --config /etc/llm-extproc/config.yaml',
      'llm-extproc serve --grpc-address unix:/var/run/llm-extproc/ext_proc.sock',
    ],
    run: () => Promise.reject(new Error('serve is run by runCli')),
  },
  check: {
    name: 'check',
    usage: 'llm-extproc check --config FILE [--body-mode MODE] [--json]',
    summary: 'Validate a config and load its router, metrics and hook modules without serving. Exit 0 when valid, 1 when not.',
    options: {
      config: { ...configFlag, help: 'config file to check (required unless $LLM_EXTPROC_CONFIG is set)' },
      'body-mode': { type: 'string', valueName: 'MODE', help: "the request body mode of Envoy's ext_proc filter: warn about decisions that need the whole body (BUFFERED_PARTIAL, STREAMED, NONE)" },
      json: { type: 'boolean', help: 'print the result as JSON' },
    },
    examples: ['llm-extproc check --config config.yaml', 'llm-extproc check --config config.yaml --body-mode BUFFERED_PARTIAL', 'llm-extproc check --config config.yaml --json'],
    run: async (v, io, env) => (await import('./check.js')).runCheck(v, io, env),
  },
  route: {
    name: 'route',
    usage: 'llm-extproc route [--config FILE] [--path P] [--method M] [--header k=v ...] [--body FILE | --model M [--stream]] [--body-mode MODE] [--json]',
    summary: 'Dry-run one request through API detection, model extraction and the router; print what Envoy would be told.',
    options: {
      config: configFlag,
      path: { type: 'string', valueName: 'PATH', help: 'request path (default /v1/chat/completions)' },
      method: { type: 'string', valueName: 'METHOD', help: 'HTTP method (default POST)' },
      header: { type: 'string', multiple: true, valueName: 'NAME=VALUE', help: 'request header (repeatable)' },
      body: { type: 'string', valueName: 'FILE', help: 'request body file (- for stdin is not supported; give a file)' },
      model: { type: 'string', valueName: 'MODEL', help: 'build a minimal body for this model' },
      stream: { type: 'boolean', help: 'with --model: ask for a streaming response' },
      'body-mode': { type: 'string', valueName: 'MODE', help: "Envoy's request body mode: BUFFERED (default), BUFFERED_PARTIAL, STREAMED, FULL_DUPLEX_STREAMED, NONE" },
      json: { type: 'boolean', help: 'print the result as JSON' },
    },
    examples: [
      'llm-extproc route --model gpt-4o-mini',
      'llm-extproc route --config config.yaml --path /v1/messages --model claude-sonnet-4-5 --header anthropic-version=2023-06-01',
      'llm-extproc route --config config.yaml --body request.json --header x-tenant=premium --json',
      'llm-extproc route --path /v1beta/models/gemini-2.5-flash:generateContent',
      'llm-extproc route --model gpt-4o --body-mode STREAMED',
    ],
    run: async (v, io, env) => (await import('./route.js')).runRoute(v, io, env),
  },
  'envoy-config': {
    name: 'envoy-config',
    usage: 'llm-extproc envoy-config [--config FILE] [--full] [--extproc-address ADDR] [--listener-port N]',
    summary: 'Print the Envoy routes and clusters for the rules and backends of a config (--full: a whole bootstrap).',
    options: {
      config: configFlag,
      full: { type: 'boolean', help: 'print a complete Envoy bootstrap' },
      'extproc-address': { type: 'string', valueName: 'ADDR', help: 'where Envoy reaches llm-extproc: host:port or unix:/path (default 127.0.0.1:50051)' },
      'listener-port': { type: 'string', valueName: 'N', help: 'Envoy listener port (default 8080)' },
    },
    examples: ['llm-extproc envoy-config --full > envoy.yaml', 'llm-extproc envoy-config --config config.yaml --extproc-address unix:/sockets/ext_proc.sock'],
    run: async (v, io, env) => (await import('./envoy-config.js')).runEnvoyConfig(v, io, env),
  },
  keys: {
    name: 'keys',
    usage:
      'llm-extproc keys <create|list|get|revoke|update> [ID] [--config FILE] [--project P] [--name N] [--models GLOB ...] [--rules RULE ...] [--expires 30d|DATE|never] [--max-requests N|none] [--rpm N|none] [--tpm N|none] [--json]',
    summary: 'Manage gateway keys in the key store of the config (auth.store). The secret is printed once, by create.',
    positionals: true,
    options: {
      config: configFlag,
      project: { type: 'string', valueName: 'P', help: 'create: the key\'s project (required); list: only this project' },
      name: { type: 'string', valueName: 'N', help: 'create (required), update: a name for the key' },
      models: { type: 'string', multiple: true, valueName: 'GLOB', help: "allowed models, globs, comma-separated or repeated (default: any; '' clears)" },
      rules: { type: 'string', multiple: true, valueName: 'RULE', help: "allowed rules, comma-separated or repeated (default: any; '' clears)" },
      expires: { type: 'string', valueName: 'WHEN', help: 'expiry: a duration from now (30d, 12h, 90m), an ISO date, or never' },
      'max-requests': { type: 'string', valueName: 'N', help: 'request budget of the key, or none' },
      rpm: { type: 'string', valueName: 'N', help: 'the key\'s own requests per minute (overrides the config\'s per-key rate limit), or none' },
      tpm: { type: 'string', valueName: 'N', help: 'the key\'s own tokens per minute, or none' },
      json: { type: 'boolean', help: 'print JSON' },
    },
    examples: [
      "llm-extproc keys create --config config.yaml --project team-a --name ci --models 'gpt-*' --expires 30d --max-requests 10000",
      'llm-extproc keys list --config config.yaml --project team-a',
      'llm-extproc keys get 0123456789abcdef --config config.yaml --json',
      "llm-extproc keys update 0123456789abcdef --config config.yaml --models 'gpt-4o*,claude-*' --max-requests none",
      'llm-extproc keys revoke 0123456789abcdef --config config.yaml',
    ],
    run: async (v, io, env, p) => (await import('./access-commands.js')).runKeys(v, io, env, p),
  },
  replay: {
    name: 'replay',
    usage: 'llm-extproc replay FILE ... [--target ADDR] [--count N] [--concurrency N] [--rate R] [--timeout-ms MS] [--route-header NAME] [--json]',
    summary: 'Play recorded exchanges (JSONL or recorded .yaml cassettes) through a running service as Envoy would, both sides, and summarise rules, statuses, tokens, cost and latency.',
    positionals: true,
    options: {
      target: { type: 'string', valueName: 'ADDR', help: 'ext_proc address of the running service: host:port or unix:/path (default 127.0.0.1:50051)' },
      count: { type: 'string', valueName: 'N', help: 'exchanges to play in all, cycling through the files (default: each once)' },
      concurrency: { type: 'string', valueName: 'N', help: 'streams open at once (default 1)' },
      rate: { type: 'string', valueName: 'R', help: 'exchanges started per second at most (default: as fast as --concurrency allows)' },
      'timeout-ms': { type: 'string', valueName: 'MS', help: 'how long to wait for each reply (default 30000)' },
      'route-header': { type: 'string', valueName: 'NAME', help: 'header the chosen rule is written to (default x-ai-eg-selected-route; selectedRouteHeaderKey)' },
      json: { type: 'boolean', help: 'print the summary as JSON (no progress bar)' },
    },
    examples: [
      'llm-extproc replay examples/replay/exchanges.jsonl',
      'llm-extproc replay examples/replay/exchanges.jsonl --count 10000 --concurrency 32 --rate 500',
      'llm-extproc replay recorded/chat-streaming.yaml --target unix:/var/run/llm-extproc/ext_proc.sock --json',
    ],
    run: async (v, io, _env, p) => (await import('./replay.js')).runReplayCommand(v, io, p),
  },
  projects: {
    name: 'projects',
    usage: 'llm-extproc projects <create|list|activate|deactivate|limits> [NAME] [--config FILE] [--rpm N|none] [--tpm N|none] [--json]',
    summary: "Manage projects in the key store of the config; a deactivated project's keys stop working.",
    positionals: true,
    options: {
      config: configFlag,
      rpm: { type: 'string', valueName: 'N', help: "limits: the project's own requests per minute (overrides the config's per-project rate limit), or none" },
      tpm: { type: 'string', valueName: 'N', help: "limits: the project's own tokens per minute, or none" },
      json: { type: 'boolean', help: 'print JSON' },
    },
    examples: [
      'llm-extproc projects create team-a --config config.yaml',
      'llm-extproc projects list --config config.yaml',
      'llm-extproc projects deactivate team-a --config config.yaml',
      'llm-extproc projects limits team-a --config config.yaml --rpm 600 --tpm 200000',
    ],
    run: async (v, io, env, p) => (await import('./access-commands.js')).runProjects(v, io, env, p),
  },
};
