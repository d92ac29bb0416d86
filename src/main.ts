#!/usr/bin/env node
/**
 * The CLI entry: the only module that reads argv and the environment, wires everything, owns
 * signals and exit codes.
 *
 *   llm-extproc [serve] [--config FILE] [--grpc-address A] [--admin-address A] [--log-level L]
 *   llm-extproc check --config FILE [--json]
 *   llm-extproc route --config FILE [--path P] [--header k=v ...] [--body FILE | --model M] [--json]
 *   llm-extproc envoy-config [--config FILE] [--full] [--extproc-address A] [--listener-port N]
 *   llm-extproc keys <create|list|get|revoke|update> …
 *   llm-extproc projects <create|list|activate|deactivate> …
 *
 * Every flag: src/cli/commands.ts and docs/configuration.md.
 */
import { runCli } from './cli/run-cli.js';

const env = process.env;
const code = await runCli(process.argv.slice(2), {
  env: {
    config: env['LLM_EXTPROC_CONFIG'],
    grpcAddress: env['LLM_EXTPROC_GRPC_ADDRESS'],
    adminAddress: env['LLM_EXTPROC_ADMIN_ADDRESS'],
    logLevel: env['LLM_EXTPROC_LOG_LEVEL'],
    readEnv: (name: string) => env[name],
    otlp: { metricsExporter: env['OTEL_METRICS_EXPORTER'] },
  },
  io: {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    cwd: process.cwd(),
    errIsTTY: process.stderr.isTTY === true,
  },
  signals: {
    on: (signal, handler) => process.on(signal, handler),
  },
});
process.exitCode = code;
if (code !== 0 && code !== undefined) {
  // Let stdout/stderr flush, then leave even if a handle is still open.
  setImmediate(() => process.exit(code));
}
