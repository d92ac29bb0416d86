/**
 * `llm-extproc route`: dry-runs one request through the same processor the service uses
 * (API detection, model extraction, router — custom module included) and prints what Envoy
 * would be told, or the error the client would get.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ConfigError } from '../config/load.js';
import type { Config } from '../config/schema.js';
import type { BodyMode, PhaseMessage, PhaseReply } from '../hooks/phase.js';
import { RequestProcessor } from '../processor/request-processor.js';
import { REQUEST_ID_HEADER, TRACEPARENT_HEADER } from '../processor/request-ids.js';
import type { RequestEventSink } from '../hooks/outcome.js';
import { buildGeneration } from '../server/build-generation.js';
import { CLIENT_CREDENTIAL_HEADERS } from '../credentials/client-credentials.js';
import { accessRuntimeFor, keyLookupFor, needsAccessStore, type AccessRuntime } from '../access/access-runtime.js';
import { translationsForRule } from '../translation/config-view.js';
import { UsageError, type CliIo, type ExitCode } from './io.js';
import { oneShotDeps } from './quiet-deps.js';
import { loadConfigFrom, type ServeEnv } from './serve.js';

/** The dry run's answer. */
export interface RouteReport {
  /** The request as sent through the processor (pseudo-headers included). */
  request: { method: string; path: string; headers: Record<string, string>; bodyMode?: BodyMode };
  /** Detected API id (`openai.chat_completions`, …), null when the path is no LLM API. */
  api: string | null;
  /** Model extracted from the body or URL. */
  model: string | null;
  /** Whether the client asked for a streamed response. */
  stream: boolean;
  /** Route rule chosen, null when refused or when the route is left to Envoy. */
  rule: string | null;
  /** Set when the client would get a local reply instead of being routed. */
  clientResponse?: { status: number; headers: Record<string, string>; body: unknown };
  /** Header changes Envoy would apply to the request. */
  headerMutations: { set: Record<string, string>; remove: string[] };
  /** Whether Envoy is told to re-match its route after the header changes. */
  clearRouteCache: boolean;
  /** Whether the request body is rewritten (e.g. `stream_options.include_usage` added). */
  bodyReplaced: boolean;
  /** Why the router module failed (thrown error or time budget), when it did. */
  routerError?: string;
  /**
   * Present when some backend of the rule is reached by translation (or refuses the request):
   * per backend, what the per-attempt path does with this request.
   */
  translations?: Array<{ backend: string; kind: string; translation: string }>;
}

/** An HTTP header name or method: an RFC 9110 token. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Envoy's request body modes, as `--body-mode` takes them. */
const BODY_MODES: readonly BodyMode[] = ['BUFFERED', 'BUFFERED_PARTIAL', 'STREAMED', 'FULL_DUPLEX_STREAMED', 'NONE'];

function parseHeaders(list: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of (list as string[] | undefined) ?? []) {
    const eq = item.indexOf('=');
    const name = eq > 0 ? item.slice(0, eq).trim().toLowerCase() : '';
    if (name.startsWith(':')) throw new UsageError(`--header ${JSON.stringify(item)}: set pseudo-headers with --method and --path`);
    if (!TOKEN.test(name)) throw new UsageError(`--header ${JSON.stringify(item)}: expected NAME=VALUE with a valid header name`);
    out[name] = item.slice(eq + 1);
  }
  return out;
}

async function requestBody(values: Record<string, unknown>, cwd: string): Promise<Buffer | undefined> {
  if (values['body'] !== undefined && values['model'] !== undefined) throw new UsageError('give --body or --model, not both');
  if (values['stream'] && values['model'] === undefined) throw new UsageError('--stream goes with --model (with --body, set "stream" in the body)');
  if (typeof values['body'] === 'string') {
    try {
      return await readFile(resolve(cwd, values['body']));
    } catch (err) {
      throw new UsageError(`--body: cannot read ${values['body']}: ${(err as Error).message}`);
    }
  }
  if (typeof values['model'] === 'string') {
    if (values['model'] === '') throw new UsageError('--model must not be empty');
    const body: Record<string, unknown> = { model: values['model'], messages: [{ role: 'user', content: 'hello' }] };
    if (values['stream']) body['stream'] = true;
    return Buffer.from(JSON.stringify(body));
  }
  return undefined;
}

function bodyModeOf(value: unknown): BodyMode | undefined {
  if (value === undefined) return undefined;
  const mode = String(value).toUpperCase() as BodyMode;
  if (!BODY_MODES.includes(mode)) throw new UsageError(`--body-mode must be one of ${BODY_MODES.join(', ')} (got ${JSON.stringify(value)})`);
  return mode;
}

/**
 * Runs the dry run; exit 0 when the request would be routed (or passed through, or answered
 * with a 2xx by llm-extproc itself), 1 when the client would get an error.
 */
export async function runRoute(values: Record<string, unknown>, io: CliIo, env: ServeEnv): Promise<ExitCode> {
  const method = ((values['method'] as string | undefined) ?? 'POST').toUpperCase();
  if (!TOKEN.test(method)) throw new UsageError(`--method must be an HTTP method (got ${JSON.stringify(values['method'])})`);
  const path = (values['path'] as string | undefined) ?? '/v1/chat/completions';
  if (!path.startsWith('/')) throw new UsageError(`--path must start with / (got ${JSON.stringify(path)})`);
  const headers = parseHeaders(values['header']);
  const bodyMode = bodyModeOf(values['body-mode']);
  const body = await requestBody(values, io.cwd);
  // A router failure is part of the answer (`reason:`), not a log line beside it.
  const routerFailures: string[] = [];
  const deps = oneShotDeps(io.cwd, io.err, (entry) => {
    if (entry.msg !== 'router failed') return false;
    routerFailures.push(entry.err?.message ?? 'unknown error');
    return true;
  });
  let generation;
  let access: AccessRuntime | undefined;
  try {
    const loaded = await loadConfigFrom(values['config'] as string | undefined, env, io.cwd);
    // With gateway keys on, the dry run checks the presented key against the real store, but
    // never counts a request for it.
    if (needsAccessStore(loaded.config) || loaded.config.auth.external) {
      const sources = { logger: deps.logger, cwd: io.cwd, ...(env.readEnv ? { readEnv: env.readEnv } : {}) };
      access = accessRuntimeFor(loaded, sources);
      const keys = keyLookupFor(loaded, access, sources);
      generation = await buildGeneration(loaded, 1, { ...deps, keys: { find: (secret) => keys.find(secret), countRequest: () => undefined } });
    } else {
      generation = await buildGeneration(loaded, 1, deps);
    }
  } catch (err) {
    await access?.close();
    io.err(`${err instanceof ConfigError ? err.message : (err as Error).message}\n`);
    return 1;
  }
  try {
    return await dryRun({ method, path, headers, bodyMode, body, values, io, generation, logger: deps.logger, routerFailures });
  } finally {
    await access?.close();
  }
}

async function dryRun(r: {
  method: string;
  path: string;
  headers: Record<string, string>;
  bodyMode: ReturnType<typeof bodyModeOf>;
  body: Buffer | undefined;
  values: Record<string, unknown>;
  io: CliIo;
  generation: Awaited<ReturnType<typeof buildGeneration>>;
  logger: ReturnType<typeof oneShotDeps>['logger'];
  routerFailures: readonly string[];
}): Promise<ExitCode> {
  const { method, path, headers, bodyMode, body, values, io, generation } = r;
  const deps = { logger: r.logger };
  const ignore: RequestEventSink = { passthrough() {}, decision() {} };
  const processor = new RequestProcessor({ generation, logger: deps.logger, events: ignore, warnStreamedOnce() {} });
  const sent: Record<string, string> = {
    ':method': method,
    ':path': path,
    ':authority': 'llm-extproc.local',
    ':scheme': 'http',
    ...(body ? { 'content-type': 'application/json', 'content-length': String(body.length) } : {}),
    ...headers,
  };
  const protocol = bodyMode ? { protocol: { requestBodyMode: bodyMode, responseBodyMode: 'BUFFERED' as const } } : {};
  const messages: PhaseMessage[] = [{ phase: 'requestHeaders', headers: sent, endOfStream: body === undefined, observabilityMode: false, ...protocol }];
  if (body) messages.push({ phase: 'requestBody', body, endOfStream: true, observabilityMode: false });
  const replies: PhaseReply[] = [];
  for (const m of messages) {
    const r = await processor.handle(m);
    replies.push(...r);
    if (r.some((x) => x.kind === 'immediate')) break;
  }
  processor.finish('completed');
  const report = buildReport({ method, path, headers: redactCredentials(sent), ...(bodyMode ? { bodyMode } : {}) }, processor.facts, replies);
  if (r.routerFailures.length > 0) report.routerError = r.routerFailures.join('; ');
  if (report.rule !== null && report.api !== null && !report.clientResponse) {
    const translations = translationsForRule(generation.config, report.rule, report.api);
    if (translations.some((t) => t.kind !== 'none')) report.translations = translations;
  }
  io.out(values['json'] ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report, generation.config));
  return report.clientResponse && report.clientResponse.status >= 300 ? 1 : 0;
}

const CREDENTIAL_HEADERS: ReadonlySet<string> = new Set(CLIENT_CREDENTIAL_HEADERS);

/** The request headers as printed: credentials replaced, so a dry run never echoes a secret. */
function redactCredentials(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) out[k] = CREDENTIAL_HEADERS.has(k) ? '[redacted]' : v;
  return out;
}

/** Per-request ids (src/processor/request-ids.ts): random on every run, so left out of the report. */
const ID_HEADERS: ReadonlySet<string> = new Set([REQUEST_ID_HEADER, TRACEPARENT_HEADER]);

function buildReport(request: RouteReport['request'], facts: RequestProcessor['facts'], replies: PhaseReply[]): RouteReport {
  const report: RouteReport = {
    request,
    api: facts.api ?? null,
    model: facts.model ?? null,
    stream: facts.stream,
    rule: facts.rule ?? null,
    headerMutations: { set: {}, remove: [] },
    clearRouteCache: false,
    bodyReplaced: false,
  };
  for (const r of replies) {
    if (r.kind === 'immediate') {
      const text = r.body.toString();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // keep text
      }
      report.clientResponse = { status: r.status, headers: Object.fromEntries(r.headers.filter(([k]) => !ID_HEADERS.has(k))), body: parsed };
      continue;
    }
    for (const [k, v] of r.headers?.set ?? []) if (!ID_HEADERS.has(k)) report.headerMutations.set[k] = v;
    report.headerMutations.remove.push(...(r.headers?.remove ?? []));
    report.clearRouteCache ||= r.clearRouteCache === true;
    report.bodyReplaced ||= r.body !== undefined;
  }
  return report;
}

/** Why a request that is not refused gets no rule. */
function noRuleReason(r: RouteReport): string {
  if (!r.api) return "(none: Envoy's route table decides)";
  const mode = r.request.bodyMode;
  if (mode === 'STREAMED' || mode === 'NONE') {
    return `(none: in ${mode} body mode the headers go upstream before the body, so the model in the body cannot choose the route; Envoy's route table decides)`;
  }
  return "(none: the model is not in the part of the body seen; Envoy's route table decides)";
}

function formatReport(r: RouteReport, config: Config): string {
  const lines = [
    `request:      ${r.request.method} ${r.request.path}${r.request.bodyMode ? ` (request body mode ${r.request.bodyMode})` : ''}`,
    `api:          ${r.api ?? (r.clientResponse ? '-' : '(not an LLM API: passed through untouched)')}`,
    `model:        ${r.model ?? '-'}`,
    `stream:       ${r.stream}`,
  ];
  if (r.clientResponse) {
    const status = r.clientResponse.status;
    lines.push(`outcome:      ${status >= 300 ? 'refused' : 'answered by llm-extproc'} with HTTP ${status}`);
    if (r.routerError !== undefined) lines.push(`reason:       the router failed: ${r.routerError} (router.failureMode: ${config.router.failureMode})`);
    lines.push(`body:         ${JSON.stringify(r.clientResponse.body)}`);
    if (status === 404 && r.model !== null) {
      const names = config.rules.map((rule) => rule.name);
      lines.push(
        `rules:        ${names.length ? names.join(', ') : '(none configured)'} — none matched ${config.modelNameHeaderKey}: ${r.model}`,
      );
    }
  } else {
    lines.push(`rule:         ${r.rule ?? noRuleReason(r)}`);
    if (r.routerError !== undefined) lines.push(`router:       failed (${r.routerError}); the default router chose instead (router.failureMode: open)`);
    const set = Object.entries(r.headerMutations.set);
    lines.push(`set headers:  ${set.length ? set.map(([k, v]) => `${k}: ${v}`).join(', ') : '-'}`);
    lines.push(`remove:       ${r.headerMutations.remove.length ? r.headerMutations.remove.join(', ') : '-'}`);
    lines.push(`clear_route_cache: ${r.clearRouteCache}${r.bodyReplaced ? '   (body rewritten)' : ''}`);
    if (r.translations) lines.push(`translation:  ${r.translations.map((t) => `${t.backend}: ${t.translation}`).join('; ')}`);
  }
  return `${lines.join('\n')}\n`;
}
