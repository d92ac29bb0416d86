/**
 * The Grafana dashboard in deploy/grafana against what the service really exports: every PromQL
 * expression parses (Prometheus's own grammar), and every metric and label it uses appears in the
 * /metrics exposition of a running service that has served routed, refused and streamed requests.
 * The same holds for the PromQL and Prometheus metric names README.md and docs/ show.
 * Renaming a metric or a label without updating the dashboard or the docs fails here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { accessRuntimeFor, type AccessRuntime } from '../src/access/access-runtime.js';
import { loadConfigFile } from '../src/config/load.js';
import { LedgerRuntime } from '../src/ledger/ledger-runtime.js';
import { sqlDbOf } from '../src/ledger/open-ledger.js';
import { startService, type TestService } from './support/service.js';
import { bodyMessage, chatHeaders, connect, headersMessage, mutationOf, RawStream } from './support/raw-stream.js';
import { analysePromql, parseLabelValuesQuery, type PromqlFacts } from './support/promql.js';
import { documentedPromql } from './support/docs-promql.js';
import { fileURLToPath } from 'node:url';

const DASHBOARD_FILE = new URL('../deploy/grafana/llm-extproc-dashboard.json', import.meta.url);

/** Labels Prometheus adds when it scrapes (target labels): never in the exposition, always on the series. */
const SCRAPE_LABELS = new Set(['instance', 'job']);

interface Target {
  expr: string;
  legendFormat?: string;
  refId: string;
  datasource?: { type?: string; uid?: string };
}
interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { type?: string; uid?: string };
  gridPos: { h: number; w: number; x: number; y: number };
  targets?: Target[];
  panels?: Panel[];
}
interface Variable {
  name: string;
  type: string;
  query: string | { query: string };
  definition?: string;
  datasource?: { type?: string; uid?: string };
}
interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: Variable[] };
}

const dashboard = JSON.parse(await readFile(DASHBOARD_FILE, 'utf8')) as Dashboard;
const allPanels = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
const queryPanels = allPanels.filter((p) => p.type !== 'row');
const targets = queryPanels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, ...t, facts: analysePromql(t.expr) })));
const variableQueries = dashboard.templating.list
  .filter((v) => v.type === 'query')
  .map((v) => ({ name: v.name, query: typeof v.query === 'string' ? v.query : v.query.query, definition: v.definition }));

// ---- the exposition ------------------------------------------------------------------------------

/** Metric families (`# TYPE` lines) and, per sample name, the label names seen on its series. */
interface Exposition {
  readonly types: ReadonlyMap<string, string>;
  readonly labels: ReadonlyMap<string, ReadonlySet<string>>;
}

/** Label names of a sample line's `{…}` part (values may hold any escaped character). */
function sampleLabels(line: string, start: number): string[] {
  const names: string[] = [];
  let i = start;
  while (i < line.length && line[i] !== '}') {
    const eq = line.indexOf('=', i);
    names.push(line.slice(i, eq).replace(/^,/, '').trim());
    i = eq + 2; // past ="
    while (i < line.length && line[i] !== '"') i += line[i] === '\\' ? 2 : 1;
    i++; // past the closing quote
    if (line[i] === ',') i++;
  }
  return names;
}

function parseExposition(text: string): Exposition {
  const types = new Map<string, string>();
  const labels = new Map<string, Set<string>>();
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) types.set(type[1]!, type[2]!);
    if (line === '' || line.startsWith('#')) continue;
    const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)![0];
    const set = labels.get(name) ?? new Set<string>();
    labels.set(name, set);
    if (line[name.length] === '{') for (const l of sampleLabels(line, name.length + 1)) set.add(l);
  }
  return { types, labels };
}

/**
 * The `# TYPE` family a series name belongs to, as Prometheus names series: a histogram `X` has
 * `X_bucket`, `X_sum`, `X_count`; a counter's family is `X_total` (as this exporter writes it) or
 * `X`; gauges are their own name. Undefined when the service exports no such family.
 */
function familyOf(series: string, exp: Exposition): string | undefined {
  const t = exp.types.get(series);
  if (t === 'counter' || t === 'gauge' || t === 'untyped') return series;
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (!series.endsWith(suffix)) continue;
    const base = series.slice(0, -suffix.length);
    const bt = exp.types.get(base);
    if (bt === 'histogram' || (bt === 'summary' && suffix !== '_bucket')) return base;
  }
  if (series.endsWith('_total') && exp.types.get(series.slice(0, -'_total'.length)) === 'counter') return series.slice(0, -'_total'.length);
  return undefined;
}

/** Problems with the metrics and labels of one expression, against the exposition. */
function problemsOf(facts: PromqlFacts, exp: Exposition): string[] {
  const problems = [...facts.errors.map((e) => `syntax error ${e}`)];
  const has = (metric: string, label: string) => SCRAPE_LABELS.has(label) || (exp.labels.get(metric)?.has(label) ?? false);
  for (const s of facts.selectors) {
    if (s.metric === undefined) {
      problems.push('a selector without a metric name');
      continue;
    }
    const type = exp.types.get(s.metric);
    if (type === 'histogram' || type === 'summary') {
      problems.push(`${s.metric}: a ${type} family has no series of its own; select ${s.metric}_bucket, _sum or _count`);
      continue;
    }
    if (familyOf(s.metric, exp) === undefined) {
      problems.push(`${s.metric}: no such metric family in the exposition`);
      continue;
    }
    if (!exp.labels.has(s.metric)) {
      problems.push(`${s.metric}: no series of that name in the exposition`);
      continue;
    }
    for (const l of s.labels) if (!has(s.metric, l)) problems.push(`${s.metric}: label ${l} (matcher) is on none of its series`);
  }
  for (const g of facts.groupings) {
    for (const l of g.labels) {
      const holders = g.metrics.filter((m) => has(m, l));
      const ok = g.kind === 'by' || g.kind === 'without' ? holders.length === g.metrics.length : holders.length > 0;
      if (!ok) problems.push(`${g.kind} (${l}): label on none of the series of ${g.metrics.filter((m) => !has(m, l)).join(', ')}`);
    }
  }
  return problems;
}

// ---- the service, after real traffic -------------------------------------------------------------

/** A metrics module that keeps the default metrics and throws in one hook, so hook errors are counted. */
const THROWING_HOOK_MODULE = `export default function createMetrics(_meter, { defaultFactory }) {
  return {
    newRequest() {
      const m = defaultFactory.newRequest();
      return {
        startRequest: (h, s) => m.startRequest(h, s),
        setModel: (model) => m.setModel(model),
        setBackend: (rule, backend) => { m.setBackend(rule, backend); throw new Error('hook failed on purpose'); },
        setResponseModel: (model) => m.setResponseModel(model),
        recordTokenUsage: (u, a) => m.recordTokenUsage(u, a),
        recordRequestCompletion: (ok, a) => m.recordRequestCompletion(ok, a),
        recordTokenLatency: (n, a) => m.recordTokenLatency(n, a),
      };
    },
  };
}
`;

let dir: string;
let svc: TestService;
let access: AccessRuntime;
let exposition: Exposition;

const sse = (data: unknown) => `data: ${JSON.stringify(data)}\n\n`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dashboard-'));
  await writeFile(join(dir, 'hooks.mjs'), THROWING_HOOK_MODULE);
  // A request-path hook of a user's that throws, skipped (failureMode open): counted as a hook failure.
  await writeFile(join(dir, 'failing-hook.mjs'), "export default () => ({ name: 'failing', onRequest() { throw new Error('hook failed on purpose'); } });\n");
  // gpt-4o-mini is priced, gpt-4o is not: the cost and the missing-price counters both count.
  await writeFile(join(dir, 'prices.yaml'), 'models:\n  - { provider: openai, model: gpt-4o-mini, input: 0.15, output: 0.6 }\n');
  await writeFile(
    join(dir, 'config.yaml'),
    'metrics: { module: ./hooks.mjs }\nrules:\n  - name: openai\n    headers: [{ name: x-ai-eg-model, prefix: "gpt-" }]\n' +
      'auth: { store: { driver: sqlite, path: ./keys.db } }\nledger: { enabled: true, spillPath: ./spill.jsonl }\npricing: { file: ./prices.yaml }\n' +
      'hooks:\n  - { module: ./failing-hook.mjs, failureMode: open }\n',
  );
  const loaded = await loadConfigFile(join(dir, 'config.yaml'));
  access = accessRuntimeFor(loaded, { logger: pino({ level: 'silent' }), cwd: dir });
  svc = await startService({
    loaded,
    cwd: dir,
    access,
    ledger: async (meter, logger) => {
      const ledger = new LedgerRuntime({ db: async () => sqlDbOf(await access.store()), config: loaded.config.ledger, spillPath: join(dir, 'spill.jsonl'), meter, logger });
      await ledger.start();
      return ledger;
    },
  });
  const client = connect(svc.target);
  try {
    // Routed, with a JSON response carrying usage.
    const plain = new RawStream(client);
    await plain.roundTrip(headersMessage(chatHeaders()));
    expect(mutationOf(await plain.roundTrip(bodyMessage(JSON.stringify({ model: 'gpt-4o-mini', messages: [] }), true))).set['x-ai-eg-selected-route']).toBe('openai');
    await plain.roundTrip(headersMessage({ ':status': '200', 'content-type': 'application/json' }, { phase: 'responseHeaders' }));
    await plain.roundTrip(bodyMessage(JSON.stringify({ id: 'c1', model: 'gpt-4o-mini', choices: [], usage: { prompt_tokens: 9, completion_tokens: 3, total_tokens: 12 } }), true, 'responseBody'));
    await plain.close();
    // Refused: no rule for the model.
    const refused = new RawStream(client);
    await refused.roundTrip(headersMessage(chatHeaders()));
    expect((await refused.roundTrip(bodyMessage(JSON.stringify({ model: 'llama-3-70b', messages: [] }), true))).immediateResponse).toBeTruthy();
    await refused.close();
    // Streamed, tokens over two chunks and usage at the end: time to first token and time per output token.
    const streamed = new RawStream(client);
    await streamed.roundTrip(headersMessage(chatHeaders()));
    await streamed.roundTrip(bodyMessage(JSON.stringify({ model: 'gpt-4o', messages: [], stream: true, stream_options: { include_usage: true } }), true));
    await streamed.roundTrip(headersMessage({ ':status': '200', 'content-type': 'text/event-stream' }, { phase: 'responseHeaders' }));
    const delta = (content: string) => ({ id: 'c2', model: 'gpt-4o', choices: [{ index: 0, delta: { content } }] });
    await streamed.roundTrip(bodyMessage(sse(delta('Hel')), false, 'responseBody'));
    await streamed.roundTrip(
      bodyMessage(sse(delta('lo')) + sse({ id: 'c2', model: 'gpt-4o', choices: [], usage: { prompt_tokens: 5, completion_tokens: 4, total_tokens: 9 } }) + 'data: [DONE]\n\n', true, 'responseBody'),
    );
    await streamed.close();
  } finally {
    client.close();
  }
  // Every hook ran while its message was processed: the replies above came after them.
  exposition = parseExposition(await svc.metricsText());
});

afterAll(async () => {
  await svc?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('Grafana dashboard: structure', () => {
  it('has a Prometheus data source variable that every panel and query uses', () => {
    const ds = dashboard.templating.list.find((v) => v.name === 'datasource');
    expect(ds).toMatchObject({ type: 'datasource', query: 'prometheus' });
    for (const p of queryPanels) expect(p.datasource, p.title).toEqual({ type: 'prometheus', uid: '${datasource}' });
    for (const t of targets) expect(t.datasource, t.panel).toEqual({ type: 'prometheus', uid: '${datasource}' });
    for (const v of dashboard.templating.list.filter((x) => x.type === 'query')) expect(v.datasource).toEqual({ type: 'prometheus', uid: '${datasource}' });
  });

  it('has a uid, unique panel ids, panels inside the 24-column grid, and a query on every panel', () => {
    expect(dashboard.uid).toBe('llm-extproc');
    const ids = allPanels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of allPanels) expect(p.gridPos.x + p.gridPos.w, p.title).toBeLessThanOrEqual(24);
    for (const p of queryPanels) {
      expect(p.targets?.length, p.title).toBeGreaterThan(0);
      const refIds = p.targets!.map((t) => t.refId);
      expect(new Set(refIds).size, p.title).toBe(refIds.length);
    }
  });

  it('parses every expression and uses only variables it defines', () => {
    const defined = new Set(dashboard.templating.list.map((v) => v.name));
    expect(targets.length).toBeGreaterThan(10);
    for (const t of targets) {
      expect(t.facts.errors, `${t.panel}: ${t.expr}`).toEqual([]);
      expect(t.facts.selectors.length, t.panel).toBeGreaterThan(0);
      for (const m of t.expr.matchAll(/\$\{?([a-zA-Z_]\w*)/g)) {
        if (!m[1]!.startsWith('__')) expect(defined.has(m[1]!), `${t.panel}: $${m[1]}`).toBe(true);
      }
    }
  });

  it('labels legends only with labels the query groups by', () => {
    for (const t of targets) {
      const grouped = new Set(t.facts.groupings.filter((g) => g.kind === 'by').flatMap((g) => g.labels));
      for (const m of (t.legendFormat ?? '').matchAll(/\{\{\s*([^}\s]+)\s*\}\}/g)) expect(grouped.has(m[1]!), `${t.panel}: legend {{${m[1]}}}`).toBe(true);
    }
  });

  it('covers requests and errors by rule, tokens, latency quantiles, hook errors, reloads and active streams', () => {
    const series = new Set(targets.flatMap((t) => t.facts.selectors.map((s) => s.metric)));
    for (const name of [
      'llm_extproc_requests_total',
      'gen_ai_server_request_duration_seconds_count',
      'gen_ai_client_token_usage_sum',
      'gen_ai_server_request_duration_seconds_bucket',
      'gen_ai_server_time_to_first_token_seconds_bucket',
      'gen_ai_server_time_per_output_token_seconds_bucket',
      'llm_extproc_hook_errors_total',
      'llm_extproc_config_reloads_total',
      'llm_extproc_streams_active',
    ]) {
      expect(series.has(name), name).toBe(true);
    }
    for (const histogram of ['gen_ai_server_request_duration_seconds', 'gen_ai_server_time_to_first_token_seconds', 'gen_ai_server_time_per_output_token_seconds']) {
      for (const q of ['0.5', '0.95', '0.99']) {
        const found = targets.some((t) => t.expr.includes(`histogram_quantile(${q},`) && t.expr.includes(`${histogram}_bucket`) && /by \(le\)/.test(t.expr));
        expect(found, `${histogram} p${Number(q) * 100}`).toBe(true);
      }
    }
  });
});

describe('Grafana dashboard: against the running service', () => {
  it('uses only metric names the service exports, with labels its series carry', () => {
    const problems = targets.flatMap((t) => problemsOf(t.facts, exposition).map((p) => `${t.panel}: ${p}`));
    expect(problems).toEqual([]);
  });

  it('builds its variables from exported metrics and labels', () => {
    expect(variableQueries.length).toBeGreaterThan(0);
    for (const v of variableQueries) {
      const parsed = parseLabelValuesQuery(v.query);
      expect(parsed, v.name).toBeDefined();
      expect(v.definition).toBe(v.query);
      const metric = parsed!.metric!;
      expect(problemsOf(analysePromql(metric), exposition), v.name).toEqual([]);
      expect(exposition.labels.get(metric)?.has(parsed!.label), `${v.name}: ${metric} has ${parsed!.label}`).toBe(true);
    }
  });

  it('would notice a renamed metric or label', () => {
    // The name before unit suffixes (what the exposition said until it followed the OTel → Prometheus rules).
    expect(problemsOf(analysePromql('rate(gen_ai_server_request_duration_bucket[5m])'), exposition)).toEqual([
      'gen_ai_server_request_duration_bucket: no such metric family in the exposition',
    ]);
    expect(problemsOf(analysePromql('sum by (rule) (rate(llm_extproc_requests_total[5m]))'), exposition)).toEqual([
      'by (rule): label on none of the series of llm_extproc_requests_total',
    ]);
    expect(problemsOf(analysePromql('gen_ai_server_request_duration_seconds{error_type!=""}'), exposition)).toEqual([
      'gen_ai_server_request_duration_seconds: a histogram family has no series of its own; select gen_ai_server_request_duration_seconds_bucket, _sum or _count',
    ]);
    expect(problemsOf(analysePromql('llm_extproc_requests'), exposition)).toEqual(['llm_extproc_requests: no such metric family in the exposition']);
    expect(problemsOf(analysePromql('rate(llm_extproc_requests_total{model="x"}[5m])'), exposition)).toEqual([
      'llm_extproc_requests_total: label model (matcher) is on none of its series',
    ]);
  });
});

/**
 * Families that appear in the exposition only once their feature is configured and sees its
 * event (a rate-limit refusal or counter-store failure, a breaker transition, cache traffic);
 * this test's service runs none of them. docs/metrics.md lists each with the instrument the code
 * creates (test/metrics-docs.test.ts checks that table against the code), so here they are only
 * required to be in that table.
 */
const FEATURE_ONLY_FAMILIES = new Set([
  'llm_extproc_rate_limit_limited_total',
  'llm_extproc_rate_limit_store_errors_total',
  'llm_extproc_breaker_state',
  'llm_extproc_breaker_transitions_total',
  'llm_extproc_cache_requests_total',
  'llm_extproc_cache_stores_total',
  'llm_extproc_cache_evictions_total',
  'llm_extproc_cache_errors_total',
  'llm_extproc_cache_stored_bytes_total',
  'llm_extproc_cache_served_bytes_total',
  'llm_extproc_cache_lookup_duration_seconds',
  'llm_extproc_cache_saved_tokens_total',
  'llm_extproc_cache_saved_cost_total',
]);

describe('PromQL in README.md and docs/: against the running service', () => {
  const expressions = documentedPromql(fileURLToPath(new URL('..', import.meta.url)));

  it('names a feature-only family only where docs/metrics.md lists it', () => {
    const table = readFileSync(new URL('../docs/metrics.md', import.meta.url), 'utf8');
    for (const name of FEATURE_ONLY_FAMILIES) expect(table, name).toMatch(new RegExp(`\\| \`[^\`]+\` \\| \`${name}\` \\|`));
  });

  it('finds the documented queries and metric names', () => {
    expect(expressions.length).toBeGreaterThan(10);
    expect(expressions.map((e) => e.expr)).toContain('gen_ai_server_time_to_first_token_seconds_count');
  });

  it('uses only metric names the service exports, with labels its series carry', () => {
    // A span naming a label the way Prometheus spells it (`gen_ai_request_model`) is no query.
    const labelNames = new Set([...exposition.labels.values()].flatMap((l) => [...l]));
    const queries = expressions.filter((e) => !labelNames.has(e.expr) && !FEATURE_ONLY_FAMILIES.has(e.expr));
    const problems = queries.flatMap((e) => problemsOf(analysePromql(e.expr), exposition).map((p) => `${e.where}: ${e.expr}: ${p}`));
    expect(problems).toEqual([]);
  });

  it('uses the OTel → Prometheus names peers query (unit suffixes, _total on counters)', () => {
    for (const name of ['gen_ai_server_request_duration_seconds', 'gen_ai_server_time_to_first_token_seconds', 'gen_ai_server_time_per_output_token_seconds', 'gen_ai_client_token_usage']) {
      expect(exposition.types.get(name), name).toBe('histogram');
    }
    expect(exposition.types.get('llm_extproc_requests_total')).toBe('counter');
  });
});
