// The usage dashboard: asks for the admin token (kept in sessionStorage, never in the URL),
// reads the admin usage API and draws cards, charts and tables. When a render finishes,
// document.body.dataset.state is 'loaded', 'empty', 'error' or 'auth' ('loading' before).

import { barChart, legend, lineChart } from './charts.js';
import { RANGES, axisTicks, bucketTitle, errorRate, fillBuckets, formatCount, formatMs, formatPercent, formatUsd, keyName, rangeOf } from './format.js';

const TOKEN_KEY = 'llm-extproc.dashboard.token';
const TOP_ROWS = 10;

/** Series colours (test/integration/dashboard.test.ts looks for them in the screenshots). */
const COLORS = {
  spend: '#2563eb',
  input: '#0891b2',
  output: '#f59e0b',
  errors: '#dc2626',
  p50: '#7c3aed',
  p95: '#db2777',
};

const $ = (id) => document.getElementById(id);
const byTestId = (id) => document.querySelector(`[data-testid="${id}"]`);

/** A failed API call: HTTP status (0 when the server could not be reached) and message. */
class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

async function api(path, params, token) {
  const url = new URL(path, location.origin);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, String(v));
  let res;
  try {
    res = await fetch(url, { headers: { authorization: `Bearer ${token}` }, cache: 'no-store', credentials: 'omit' });
  } catch (err) {
    throw new ApiError(0, `the admin API could not be reached (${err instanceof Error ? err.message : String(err)})`);
  }
  let body = null;
  try {
    body = await res.json();
  } catch {
    body = null;
  }
  if (!res.ok) {
    const e = body && body.error;
    throw new ApiError(res.status, (e && (e.message ?? (typeof e === 'string' ? e : undefined))) ?? `${res.status} ${res.statusText}`);
  }
  return body;
}

function setState(state) {
  document.body.dataset.state = state;
}

function setStatus(text, kind = '') {
  const s = $('status');
  s.textContent = text;
  s.className = `status ${kind}`.trim();
}

function showAuth(message) {
  $('report').hidden = true;
  $('controls').hidden = true;
  $('auth').hidden = false;
  $('auth-message').textContent = message ?? '';
  setStatus('');
  $('token').value = '';
  $('token').focus();
  setState('auth');
}

function currentRange() {
  const m = /(?:^#|&)range=(\w+)/.exec(location.hash);
  return m && m[1] in RANGES ? m[1] : '24h';
}

function sortBySpend(groups) {
  return [...groups].sort((a, b) => (b.costUsd ?? -1) - (a.costUsd ?? -1) || b.requests - a.requests).slice(0, TOP_ROWS);
}

function text(testId, value) {
  byTestId(testId).textContent = value;
}

function renderCards(total, percentiles) {
  const t = total ?? { requests: 0, errors: 0, costUsd: null, unpricedRequests: 0, tokens: { total: 0, input: 0, output: 0 }, ttftMs: { p50: null, p95: null } };
  text('total-spend', formatUsd(t.costUsd ?? (t.requests > 0 ? null : 0)));
  byTestId('total-spend').dataset.value = String(t.costUsd ?? 0);
  text('unpriced', t.unpricedRequests > 0 ? `${formatCount(t.unpricedRequests)} requests without a price` : 'all requests priced');
  text('total-tokens', formatCount(t.tokens.total));
  byTestId('total-tokens').dataset.value = String(t.tokens.total);
  text('tokens-split', `${formatCount(t.tokens.input)} in · ${formatCount(t.tokens.output)} out`);
  text('total-requests', formatCount(t.requests));
  byTestId('total-requests').dataset.value = String(t.requests);
  text('errors', `${formatCount(t.errors)} ${t.errors === 1 ? 'error' : 'errors'}`);
  text('error-rate', formatPercent(errorRate(t)));
  byTestId('error-rate').dataset.value = String(errorRate(t) ?? '');
  text('ttft-p50', formatMs(t.ttftMs.p50));
  text('ttft-p95', formatMs(t.ttftMs.p95));
  const note = percentiles === 'histogram' ? 'estimate from the latency histogram' : 'time to first token';
  text('ttft-note-50', note);
  text('ttft-note-95', note);
}

function place(slotId, chart, series) {
  const slot = $(slotId);
  slot.replaceChildren(chart, legend(series));
}

function renderCharts(points, interval) {
  const ticks = axisTicks(points.map((p) => p.start), interval);
  const titles = points.map((p) => bucketTitle(p.start, interval));
  const common = { ticks, titles };
  const spend = [{ name: 'Spend', color: COLORS.spend, values: points.map((p) => p.costUsd ?? 0) }];
  place('chart-spend', barChart({ ...common, id: 'spend', title: 'Spend over time (USD)', series: spend, format: formatUsd }), spend);
  const tokens = [
    { name: 'Input tokens', color: COLORS.input, values: points.map((p) => p.tokens.input) },
    { name: 'Output tokens', color: COLORS.output, values: points.map((p) => p.tokens.output) },
  ];
  place('chart-tokens', barChart({ ...common, id: 'tokens', title: 'Input and output tokens over time', series: tokens, format: formatCount }), tokens);
  const errors = [{ name: 'Error rate', color: COLORS.errors, values: points.map((p) => errorRate(p)) }];
  place('chart-errors', lineChart({ ...common, id: 'errors', title: 'Error rate over time', series: errors, format: formatPercent, cap: 1 }), errors);
  const ttft = [
    { name: 'TTFT p50', color: COLORS.p50, values: points.map((p) => p.ttftMs.p50) },
    { name: 'TTFT p95', color: COLORS.p95, values: points.map((p) => p.ttftMs.p95) },
  ];
  place('chart-ttft', lineChart({ ...common, id: 'ttft', title: 'Time to first token over time, p50 and p95', series: ttft, format: formatMs }), ttft);
}

function renderTable(testId, field, groups) {
  const body = byTestId(testId).tBodies[0];
  const rows = sortBySpend(groups).map((g) => {
    const tr = document.createElement('tr');
    const th = document.createElement('th');
    th.scope = 'row';
    th.textContent = keyName(g.key[field]);
    tr.append(th);
    for (const v of [formatCount(g.requests), formatCount(g.tokens.total), formatUsd(g.costUsd), formatPercent(errorRate(g))]) {
      const td = document.createElement('td');
      td.className = 'num';
      td.textContent = v;
      tr.append(td);
    }
    return tr;
  });
  if (rows.length === 0) {
    const tr = document.createElement('tr');
    const td = document.createElement('td');
    td.colSpan = 5;
    td.className = 'none';
    td.textContent = 'No requests in this range.';
    tr.append(td);
    rows.push(tr);
  }
  body.replaceChildren(...rows);
}

/** One usage cell: `used / limit`, or – when the limit does not count that kind. */
function usageCell(u) {
  return u ? `${formatCount(Math.round(u.used))} / ${formatCount(u.limit)}` : '–';
}

/**
 * The rate limits now: gateway-wide limits, and limits counted per project for the top projects
 * of the range. Never fails the page: an error shows in the table.
 */
async function renderRateLimits(token, projects) {
  const body = byTestId('rate-limits').tBodies[0];
  const row = (cells) => {
    const tr = document.createElement('tr');
    cells.forEach((c, i) => {
      const cell = document.createElement(i === 0 ? 'th' : 'td');
      if (i === 0) cell.scope = 'row';
      if (i >= 2) cell.className = 'num';
      cell.textContent = c;
      tr.append(cell);
    });
    return tr;
  };
  try {
    const all = (await api('/admin/rate-limits', {}, token)).limits;
    const rows = [];
    for (const l of all) if (l.counted) rows.push(row([l.name, 'the gateway', usageCell(l.requests), usageCell(l.tokens)]));
    const perProject = all.filter((l) => l.per.length === 1 && l.per[0] === 'project');
    if (perProject.length) {
      for (const g of projects) {
        const name = g.key.project;
        if (!name) continue;
        const mine = (await api('/admin/rate-limits', { project: name }, token)).limits;
        for (const l of mine) if (l.per.length === 1 && l.per[0] === 'project' && l.counted) rows.push(row([l.name, `project ${name}`, usageCell(l.requests), usageCell(l.tokens)]));
      }
    }
    if (rows.length === 0) {
      const tr = row([all.length ? 'No gateway-wide limits; limits per key or model show in the admin API.' : 'No rate limits configured.']);
      tr.firstChild.colSpan = 4;
      tr.firstChild.className = 'none';
      rows.push(tr);
    }
    body.replaceChildren(...rows);
  } catch (err) {
    const tr = row([`Rate limits unavailable: ${err instanceof Error ? err.message : String(err)}`]);
    tr.firstChild.colSpan = 4;
    body.replaceChildren(tr);
  }
}

let generation = 0;

/** Whether the admin API is off on this server (asked without a token, so it can be said at once). */
async function adminApiOff() {
  try {
    const res = await fetch(new URL('/dashboard/status.json', location.origin), { cache: 'no-store', credentials: 'omit' });
    return res.ok && (await res.json()).adminApi === 'off';
  } catch {
    return false;
  }
}

function showAdminApiOff() {
  $('auth').hidden = true;
  $('report').hidden = true;
  $('controls').hidden = true;
  setStatus('The admin API is off on this server (404): set admin.token in the config to enable it; the dashboard reads usage through it.', 'error');
  setState('error');
}

let adminApiChecked = false;

async function load() {
  if (!adminApiChecked) {
    if (await adminApiOff()) return showAdminApiOff();
    adminApiChecked = true;
  }
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (!token) return showAuth();
  const mine = ++generation;
  const rangeName = currentRange();
  $('range').value = rangeName;
  const { from, to, interval } = rangeOf(rangeName, Date.now());
  const q = { from: new Date(from).toISOString(), to: new Date(to).toISOString() };
  setState('loading');
  setStatus('Loading…');
  let first = true;
  try {
    const summary = await api('/admin/usage/summary', q, token);
    first = false;
    const [series, models, projects] = await Promise.all([
      api('/admin/usage/timeseries', { ...q, interval }, token),
      api('/admin/usage/summary', { ...q, groupBy: 'model', orderBy: 'cost', limit: TOP_ROWS }, token),
      api('/admin/usage/summary', { ...q, groupBy: 'project', orderBy: 'cost', limit: TOP_ROWS }, token),
    ]);
    if (mine !== generation) return;
    const total = summary.groups[0] ?? null;
    $('auth').hidden = true;
    $('controls').hidden = false;
    $('report').hidden = false;
    text('range-note', `${RANGES[rangeName].label}: ${bucketTitle(from, 'hour')} to ${bucketTitle(to, 'hour')}, by ${interval}`);
    renderCards(total, summary.percentiles);
    renderCharts(fillBuckets(series.points, from, to, interval), interval);
    $('ttft-chart-note').hidden = series.percentiles !== 'histogram';
    renderTable('top-models', 'model', models.groups);
    renderTable('top-projects', 'project', projects.groups);
    await renderRateLimits(token, projects.groups);
    if (mine !== generation) return;
    const empty = !total || total.requests === 0;
    setStatus(empty ? 'No requests in this range.' : `Updated ${new Date().toISOString().slice(11, 19)} UTC`, empty ? 'notice' : '');
    setState(empty ? 'empty' : 'loaded');
  } catch (err) {
    if (mine !== generation) return;
    const status = err instanceof ApiError ? err.status : -1;
    if (status === 401) {
      sessionStorage.removeItem(TOKEN_KEY);
      return showAuth('The admin API refused this token (401). Enter the token configured as admin.token.');
    }
    $('auth').hidden = true;
    $('report').hidden = true;
    $('controls').hidden = false;
    if (status === 404 && first) return showAdminApiOff();
    else setStatus(`Could not load usage: ${err instanceof Error ? err.message : String(err)}`, 'error');
    setState('error');
  }
}

function start() {
  $('auth-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const token = $('token').value.trim();
    if (!token) return;
    sessionStorage.setItem(TOKEN_KEY, token);
    $('token').value = '';
    void load();
  });
  $('range').addEventListener('change', () => {
    history.replaceState(null, '', `#range=${$('range').value}`);
    void load();
  });
  $('refresh').addEventListener('click', () => void load());
  $('forget').addEventListener('click', () => {
    sessionStorage.removeItem(TOKEN_KEY);
    generation++;
    showAuth();
  });
  window.addEventListener('hashchange', () => void load());
  void load();
}

start();
