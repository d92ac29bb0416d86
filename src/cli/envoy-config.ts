/**
 * `llm-extproc envoy-config`: prints Envoy routes and clusters (or a whole bootstrap) generated
 * from a config's rules and backends — the one source of truth for both.
 */
import { ConfigError } from '../config/load.js';
import { generateEnvoyConfig } from '../envoy/bootstrap.js';
import { EnvoyConfigError } from '../envoy/bootstrap-clusters.js';
import { parseAddress } from '../server/address.js';
import { UsageError, type CliIo, type ExitCode } from './io.js';
import { loadConfigFrom, type ServeEnv } from './serve.js';

/** Prints the generated Envoy config. */
export async function runEnvoyConfig(values: Record<string, unknown>, io: CliIo, env: ServeEnv): Promise<ExitCode> {
  let address;
  try {
    address = parseAddress((values['extproc-address'] as string | undefined) ?? '127.0.0.1:50051');
  } catch (err) {
    throw new UsageError(`--extproc-address: ${(err as Error).message}`);
  }
  const portText = (values['listener-port'] as string | undefined) ?? '8080';
  const listenerPort = Number(portText);
  if (!Number.isInteger(listenerPort) || listenerPort < 1 || listenerPort > 65535) {
    throw new UsageError(`--listener-port must be a port number (got ${JSON.stringify(portText)})`);
  }
  let loaded;
  try {
    loaded = await loadConfigFrom(values['config'] as string | undefined, env, io.cwd);
  } catch (err) {
    io.err(`${err instanceof ConfigError ? err.message : (err as Error).message}\n`);
    return 1;
  }
  const extprocAddress = address.kind === 'unix' ? { unixPath: address.path } : { host: address.host, port: address.port };
  try {
    io.out(generateEnvoyConfig(loaded.config, { extprocAddress, listenerPort, full: values['full'] === true }));
  } catch (err) {
    if (!(err instanceof EnvoyConfigError)) throw err;
    io.err(`${loaded.source}: cannot generate an Envoy config: ${err.message}\n`);
    return 1;
  }
  return 0;
}
