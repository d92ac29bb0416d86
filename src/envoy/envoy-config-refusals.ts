/**
 * What `llm-extproc envoy-config` would refuse in a config, rule by rule, so `check` can say it
 * before anyone runs the generator. The generator itself decides: each rule is generated alone
 * and its refusal kept, so the two can never disagree.
 */
import type { ConfigProblem } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { generateEnvoyConfig } from './bootstrap.js';
import { EnvoyConfigError } from './bootstrap-clusters.js';

/** One problem per rule the Envoy config generator refuses, at path `rules[i]`. */
export function envoyConfigRefusals(config: Config): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  config.rules.forEach((rule, i) => {
    try {
      generateEnvoyConfig({ ...config, rules: [rule] }, { extprocAddress: { host: '127.0.0.1', port: 50051 }, listenerPort: 8080, full: false });
    } catch (err) {
      if (!(err instanceof EnvoyConfigError)) throw err;
      problems.push({ path: `rules[${i}]`, message: `llm-extproc envoy-config would refuse this rule: ${err.message}` });
    }
  });
  return problems;
}
