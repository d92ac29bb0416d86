/**
 * The router contract (mirrors Envoy AI Gateway v0.2 `x.Router`): given the request headers
 * (lower-cased, model header included) answer the name of the route rule that serves the request.
 */
import type { Logger } from 'pino';
import type { Meter } from '@opentelemetry/api';
import type { Config } from '../config/schema.js';

/** Thrown by a router when no rule matches; the client gets 404 in its API's error shape. */
export class NoMatchingRuleError extends Error {
  constructor(message = 'no matching rule') {
    super(message);
    this.name = 'NoMatchingRuleError';
  }
}

/** What the router may know about the request beyond its headers. */
export interface RouteRequest {
  /** Detected API id, e.g. `openai.chat_completions`. */
  readonly api: string;
  /** Extracted model (also in the model header). */
  readonly model: string | undefined;
  /** Whether the client asked for a streaming response. */
  readonly stream: boolean;
  /** HTTP method. */
  readonly method: string;
  /** Request path as the client sent it (query included). */
  readonly path: string;
  /** The request body parsed as JSON on first call (undefined for non-JSON bodies). */
  body(): unknown;
}

/** A router: safe to share across concurrent requests. */
export interface Router {
  /**
   * Returns the route rule name, or throws {@link NoMatchingRuleError}.
   * @param headers lower-cased request headers plus the model header.
   * @param request parsed request facts, for routers that need more than headers.
   */
  calculate(headers: Readonly<Record<string, string>>, request?: RouteRequest): string | Promise<string>;
}

/** `router.options` as written in the config, when the module exports no `optionsSchema`. */
export type RouterOptions = Readonly<Record<string, unknown>>;

/**
 * What a router module's factory receives besides the default router.
 * @typeParam Options the type of `options`: the output of the module's `optionsSchema`, else {@link RouterOptions}.
 */
export interface RouterContext<Options = RouterOptions> {
  /** The whole loaded (frozen) config. */
  readonly config: Config;
  /** `router.options`: validated by the module's `optionsSchema` when it exports one, else as given. */
  readonly options: Options;
  /** A child logger named after the module. */
  readonly logger: Logger;
  /** The service's OpenTelemetry meter. */
  readonly meter: Meter;
}

/**
 * Default export of a router module.
 * @typeParam Options the type of `context.options` (see {@link RouterContext}).
 * @example
 * export const optionsSchema = z.object({ rule: z.string(), models: z.array(z.string()) });
 * const factory: RouterFactory<z.output<typeof optionsSchema>> = (defaultRouter, { options }) => …;
 * export default factory;
 */
export type RouterFactory<Options = RouterOptions> = (defaultRouter: Router, context: RouterContext<Options>) => Router | Promise<Router>;
