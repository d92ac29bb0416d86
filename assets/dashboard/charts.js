// Small inline-SVG charts for the usage dashboard: bars (stacked) and lines over time buckets.
// Every chart is an <svg role="img"> with a <title> and <desc>; every bar and point has its own
// <title> (shown on hover). Colours are SVG attributes, so the page needs no inline styles.

import { niceMax } from './format.js';

const NS = 'http://www.w3.org/2000/svg';
const W = 720;
const H = 230;
const M = { top: 14, right: 14, bottom: 28, left: 70 };
const PLOT_W = W - M.left - M.right;
const PLOT_H = H - M.top - M.bottom;
const GRID_LINES = 4;

function el(name, attrs = {}, text) {
  const node = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

function titled(node, text) {
  node.append(el('title', {}, text));
  return node;
}

/**
 * The frame shared by both kinds: svg with title and desc, horizontal grid lines with value
 * labels (formatted by `format`), and bucket labels (`ticks`: index and text) along the bottom.
 */
function frame({ id, title, desc, ticks, titles, max, format }) {
  const svg = el('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-labelledby': `${id}-title ${id}-desc`, class: 'chart', 'data-testid': `chart-${id}` });
  svg.append(el('title', { id: `${id}-title` }, title), el('desc', { id: `${id}-desc` }, desc));
  const grid = el('g', { class: 'grid', 'aria-hidden': 'true' });
  for (let i = 0; i <= GRID_LINES; i++) {
    const y = M.top + PLOT_H - (PLOT_H * i) / GRID_LINES;
    grid.append(el('line', { x1: M.left, x2: W - M.right, y1: y, y2: y, class: i === 0 ? 'axis' : 'gridline' }));
    grid.append(el('text', { x: M.left - 8, y: y + 4, 'text-anchor': 'end', class: 'tick' }, format((max * i) / GRID_LINES)));
  }
  const n = titles.length;
  for (const { index, label } of ticks) {
    const x = M.left + (PLOT_W * (index + 0.5)) / n;
    grid.append(el('text', { x, y: H - 6, 'text-anchor': 'middle', class: 'tick' }, label));
  }
  svg.append(grid);
  return svg;
}

function describe(series, titles) {
  const totals = series.map((s) => `${s.name}: ${s.values.filter((v) => v !== null && v > 0).length} of ${titles.length} buckets above zero`);
  return totals.join('; ');
}

/**
 * A bar chart, stacked when it has several series.
 * @param {{ id: string, title: string, ticks: Array<{ index: number, label: string }>, titles: string[],
 *   series: Array<{ name: string, color: string, values: number[] }>, format: (v: number) => string }} c
 */
export function barChart(c) {
  const n = c.titles.length;
  const sums = c.titles.map((_, i) => c.series.reduce((acc, s) => acc + (s.values[i] ?? 0), 0));
  const max = niceMax(Math.max(0, ...sums));
  const svg = frame({ ...c, max, desc: describe(c.series, c.titles) });
  const slot = PLOT_W / n;
  const width = Math.max(1, slot * (n > 60 ? 0.9 : 0.72));
  const bars = el('g', { class: 'bars' });
  for (let i = 0; i < n; i++) {
    let base = 0;
    for (const s of c.series) {
      const v = s.values[i] ?? 0;
      if (v <= 0) continue;
      const y0 = M.top + PLOT_H - (PLOT_H * base) / max;
      const h = (PLOT_H * v) / max;
      base += v;
      const rect = el('rect', { x: M.left + slot * i + (slot - width) / 2, y: y0 - h, width, height: Math.max(h, 1), fill: s.color, 'data-series': s.name });
      bars.append(titled(rect, `${c.titles[i]} — ${s.name}: ${c.format(v)}`));
    }
  }
  svg.append(bars);
  return svg;
}

/**
 * A line chart; null values are buckets without data, bridged by a dashed line. Every point is
 * marked, so a lone bucket still shows.
 * @param {{ id: string, title: string, ticks: Array<{ index: number, label: string }>, titles: string[],
 *   series: Array<{ name: string, color: string, values: Array<number|null> }>,
 *   format: (v: number) => string, cap?: number }} c
 */
export function lineChart(c) {
  const n = c.titles.length;
  const all = c.series.flatMap((s) => s.values.filter((v) => v !== null));
  let max = niceMax(Math.max(0, ...all));
  if (c.cap !== undefined) max = Math.min(max, c.cap);
  const svg = frame({ ...c, max, desc: describe(c.series, c.titles) });
  const slot = PLOT_W / n;
  const xOf = (i) => M.left + slot * (i + 0.5);
  const yOf = (v) => M.top + PLOT_H - (PLOT_H * Math.min(v, max)) / max;
  const r = n > 60 ? 2.5 : 3.5;
  for (const s of c.series) {
    const g = el('g', { class: 'line', 'data-series': s.name });
    // Neighbouring buckets are joined by a solid line; points across buckets without data by a
    // thin dashed one, so sparse traffic still reads as a series.
    let solid = '';
    let dashed = '';
    let prev = -1;
    s.values.forEach((v, i) => {
      if (v === null) return;
      const at = `${xOf(i).toFixed(1)},${yOf(v).toFixed(1)}`;
      if (prev === i - 1) solid += `L${at}`;
      else {
        if (prev >= 0) dashed += `M${xOf(prev).toFixed(1)},${yOf(s.values[prev]).toFixed(1)}L${at}`;
        solid += `M${at}`;
      }
      prev = i;
    });
    const stroke = { fill: 'none', stroke: s.color, 'stroke-linejoin': 'round', 'stroke-linecap': 'round' };
    if (dashed) g.append(el('path', { ...stroke, d: dashed, 'stroke-width': 1.5, 'stroke-dasharray': '4 4', 'stroke-opacity': 0.55, class: 'gap' }));
    if (solid) g.append(el('path', { ...stroke, d: solid, 'stroke-width': 2.5 }));
    s.values.forEach((v, i) => {
      if (v === null) return;
      g.append(titled(el('circle', { cx: xOf(i), cy: yOf(v), r, fill: s.color }), `${c.titles[i]} — ${s.name}: ${c.format(v)}`));
    });
    svg.append(g);
  }
  return svg;
}

/** A legend: one swatch and name per series. */
export function legend(series) {
  const ul = document.createElement('ul');
  ul.className = 'legend';
  for (const s of series) {
    const li = document.createElement('li');
    const sw = el('svg', { width: 12, height: 12, viewBox: '0 0 12 12', 'aria-hidden': 'true' });
    sw.append(el('rect', { width: 12, height: 12, rx: 2, fill: s.color }));
    li.append(sw, document.createTextNode(` ${s.name}`));
    ul.append(li);
  }
  return ul;
}
