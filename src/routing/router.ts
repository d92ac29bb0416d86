/**
 * The router contract (mirrors Envoy AI Gateway v0.2 `x.Router`): given the request headers
 * (lower-cased, model header included) answer the name of the route rule that serves the request.
 */
import type { Logger } from 'pino';
import type { Meter } from '@opentelemetry/api';

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

/** What a router module's factory receives besides the default router. */
export interface RouterContext {
  /** The whole loaded (frozen) config. */
  readonly config: unknown;
  /** `router.options` from the config, as given. */
  readonly options: Readonly<Record<string, unknown>>;
  /** A child logger named after the module. */
  readonly logger: Logger;
  /** The service's OpenTelemetry meter. */
  readonly meter: Meter;
}

/** Default export of a router module. */
export type RouterFactory = (defaultRouter: Router, context: RouterContext) => Router | Promise<Router>;
