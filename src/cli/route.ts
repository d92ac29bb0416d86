/**
 * `llm-extproc route`: dry-runs one request through the same processor the service uses
 * (API detection, model extraction, router — custom module included) and prints what Envoy
 * would be told, or the error the client would get.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ConfigError } from '../config/load.js';
import type { PhaseMessage, PhaseReply } from '../processor/phase.js';
import { RequestProcessor } from '../processor/request-processor.js';
import type { RequestOutcomeSink } from '../processor/outcome.js';
import { buildGeneration } from '../server/build-generation.js';
import { UsageError, type CliIo, type ExitCode } from './io.js';
import { oneShotDeps } from './quiet-deps.js';
import { loadConfigFrom, type ServeEnv } from './serve.js';

/** The dry run's answer. */
export interface RouteReport {
  request: { method: string; path: string; headers: Record<string, string> };
  api: string | null;
  model: string | null;
  stream: boolean;
  rule: string | null;
  /** Set when the client would get a local reply instead of being routed. */
  clientResponse?: { status: number; headers: Record<string, string>; body: unknown };
  /** Header changes Envoy would apply to the request. */
  headerMutations: { set: Record<string, string>; remove: string[] };
  clearRouteCache: boolean;
  bodyReplaced: boolean;
}

function parseHeaders(list: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of (list as string[] | undefined) ?? []) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new UsageError(`--header ${JSON.stringify(item)}: expected NAME=VALUE`);
    out[item.slice(0, eq).trim().toLowerCase()] = item.slice(eq + 1);
  }
  return out;
}

async function requestBody(values: Record<string, unknown>, cwd: string): Promise<Buffer | undefined> {
  if (values['body'] !== undefined && values['model'] !== undefined) throw new UsageError('give --body or --model, not both');
  if (typeof values['body'] === 'string') {
    try {
      return await readFile(resolve(cwd, values['body']));
    } catch (err) {
      throw new UsageError(`--body: cannot read ${values['body']}: ${(err as Error).message}`);
    }
  }
  if (typeof values['model'] === 'string') {
    const body: Record<string, unknown> = { model: values['model'], messages: [{ role: 'user', content: 'hello' }] };
    if (values['stream']) body['stream'] = true;
    return Buffer.from(JSON.stringify(body));
  }
  return undefined;
}

/** Runs the dry run; exit 0 when routed, 1 when the client would get an error. */
export async function runRoute(values: Record<string, unknown>, io: CliIo, env: ServeEnv): Promise<ExitCode> {
  const method = ((values['method'] as string | undefined) ?? 'POST').toUpperCase();
  const path = (values['path'] as string | undefined) ?? '/v1/chat/completions';
  if (!path.startsWith('/')) throw new UsageError(`--path must start with / (got ${JSON.stringify(path)})`);
  const headers = parseHeaders(values['header']);
  const body = await requestBody(values, io.cwd);
  let generation;
  try {
    const loaded = await loadConfigFrom(values['config'] as string | undefined, env, io.cwd);
    generation = await buildGeneration(loaded, 1, oneShotDeps(io.cwd, io.err));
  } catch (err) {
    io.err(`${err instanceof ConfigError ? err.message : (err as Error).message}\n`);
    return 1;
  }
  const deps = oneShotDeps(io.cwd, io.err);
  const ignore: RequestOutcomeSink = { passthrough() {}, decision() {}, completed() {} };
  const processor = new RequestProcessor({ generation, logger: deps.logger, outcomes: ignore, warnStreamedOnce() {} });
  const sent: Record<string, string> = {
    ':method': method,
    ':path': path,
    ':authority': 'llm-extproc.local',
    ':scheme': 'http',
    ...(body ? { 'content-type': 'application/json', 'content-length': String(body.length) } : {}),
    ...headers,
  };
  const messages: PhaseMessage[] = [{ phase: 'requestHeaders', headers: sent, endOfStream: body === undefined, observabilityMode: false }];
  if (body) messages.push({ phase: 'requestBody', body, endOfStream: true, observabilityMode: false });
  const replies: PhaseReply[] = [];
  for (const m of messages) {
    const r = await processor.handle(m);
    replies.push(...r);
    if (r.some((x) => x.kind === 'immediate')) break;
  }
  processor.finish('completed');
  const report = buildReport({ method, path, headers: sent }, processor.facts, replies);
  io.out(values['json'] ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
  return report.clientResponse ? 1 : 0;
}

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
      let parsed: unknown = r.body;
      try {
        parsed = JSON.parse(r.body);
      } catch {
        // keep text
      }
      report.clientResponse = { status: r.status, headers: Object.fromEntries(r.headers), body: parsed };
      continue;
    }
    for (const [k, v] of r.headers?.set ?? []) report.headerMutations.set[k] = v;
    report.headerMutations.remove.push(...(r.headers?.remove ?? []));
    report.clearRouteCache ||= r.clearRouteCache === true;
    report.bodyReplaced ||= r.body !== undefined;
  }
  return report;
}

function formatReport(r: RouteReport): string {
  const lines = [
    `request:      ${r.request.method} ${r.request.path}`,
    `api:          ${r.api ?? '(not an LLM API: passed through untouched)'}`,
    `model:        ${r.model ?? '-'}`,
    `stream:       ${r.stream}`,
  ];
  if (r.clientResponse) {
    lines.push(`outcome:      refused with HTTP ${r.clientResponse.status}`, `body:         ${JSON.stringify(r.clientResponse.body)}`);
  } else {
    lines.push(`rule:         ${r.rule ?? '(none: Envoy route table decides)'}`);
    const set = Object.entries(r.headerMutations.set);
    lines.push(`set headers:  ${set.length ? set.map(([k, v]) => `${k}: ${v}`).join(', ') : '-'}`);
    lines.push(`remove:       ${r.headerMutations.remove.length ? r.headerMutations.remove.join(', ') : '-'}`);
    lines.push(`clear_route_cache: ${r.clearRouteCache}${r.bodyReplaced ? '   (body rewritten)' : ''}`);
  }
  return `${lines.join('\n')}\n`;
}
