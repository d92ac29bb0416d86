/**
 * The one chart of the report, written by hand as SVG (no charting dependency): server CPU per
 * request against request body size, llm-extproc and the no-op ext_proc baseline, both axes
 * logarithmic.
 */
import type { CpuPoint } from './scenario-chat.js';

const W = 720;
const H = 430;
const M = { left: 78, right: 24, top: 48, bottom: 64 };
const COLORS = { extproc: '#d9480f', noop: '#1c7ed6' } as const;

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function fmtMicros(us: number): string {
  if (us >= 10_000) return `${(us / 1000).toFixed(0)} ms`;
  if (us >= 1000) return `${(us / 1000).toFixed(1)} ms`;
  return `${us.toFixed(0)} µs`;
}

/** Renders the chart for `points` (at least one) as an SVG document. */
export function costVsBodySizeSvg(points: readonly CpuPoint[], title = 'Server CPU per request vs request body size'): string {
  const xs = points.map((p) => Math.log10(p.bytes));
  const values = points.flatMap((p) => [p.extprocMicros, p.noopMicros]).filter((v) => v > 0);
  const x0 = Math.min(...xs) - 0.3;
  const x1 = Math.max(...xs) + 0.3;
  const y0 = Math.floor(Math.log10(Math.min(...values)));
  const y1 = Math.ceil(Math.log10(Math.max(...values)));
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const px = (lx: number): number => M.left + ((lx - x0) / (x1 - x0)) * pw;
  const py = (v: number): number => M.top + ph - ((Math.log10(v) - y0) / Math.max(1e-9, y1 - y0)) * ph;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="system-ui, sans-serif" font-size="12">`);
  parts.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  parts.push(`<text x="${W / 2}" y="24" text-anchor="middle" font-size="15" font-weight="600">${esc(title)}</text>`);
  // Horizontal grid at 1, 2, 5 × each decade.
  for (let d = y0; d <= y1; d++) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** d;
      if (Math.log10(v) > y1 + 1e-9) continue;
      const y = py(v).toFixed(1);
      parts.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${y}" y2="${y}" stroke="${m === 1 ? '#ced4da' : '#f1f3f5'}"/>`);
      if (m === 1 || y1 - y0 <= 2) parts.push(`<text x="${M.left - 8}" y="${y}" dy="4" text-anchor="end" fill="#495057">${esc(fmtMicros(v))}</text>`);
    }
  }
  // Vertical ticks at the measured sizes.
  for (const p of points) {
    const x = px(Math.log10(p.bytes)).toFixed(1);
    parts.push(`<line x1="${x}" x2="${x}" y1="${M.top}" y2="${M.top + ph}" stroke="#f1f3f5"/>`);
    parts.push(`<text x="${x}" y="${M.top + ph + 18}" text-anchor="middle" fill="#495057">${esc(p.label)}</text>`);
  }
  parts.push(`<rect x="${M.left}" y="${M.top}" width="${pw}" height="${ph}" fill="none" stroke="#868e96"/>`);
  parts.push(`<text x="${M.left + pw / 2}" y="${H - 18}" text-anchor="middle" fill="#212529">request body size (log scale)</text>`);
  parts.push(`<text transform="translate(18 ${M.top + ph / 2}) rotate(-90)" text-anchor="middle" fill="#212529">server CPU time per request (log scale)</text>`);
  for (const [key, name] of [['noop', 'no-op ext_proc (same grpc-js transport)'], ['extproc', 'llm-extproc']] as const) {
    const pts = points.map((p) => [px(Math.log10(p.bytes)), py(key === 'extproc' ? p.extprocMicros : p.noopMicros)] as const);
    parts.push(`<polyline fill="none" stroke="${COLORS[key]}" stroke-width="2.5" points="${pts.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(' ')}"/>`);
    points.forEach((p, i) => {
      const [x, y] = pts[i]!;
      const v = key === 'extproc' ? p.extprocMicros : p.noopMicros;
      parts.push(`<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="4" fill="${COLORS[key]}"/>`);
      parts.push(`<text x="${(x + 7).toFixed(1)}" y="${(y + (key === 'extproc' ? -8 : 16)).toFixed(1)}" fill="${COLORS[key]}">${esc(fmtMicros(v))}</text>`);
    });
    const ly = M.top + 16 + (key === 'extproc' ? 0 : 18);
    parts.push(`<line x1="${M.left + 14}" x2="${M.left + 38}" y1="${ly}" y2="${ly}" stroke="${COLORS[key]}" stroke-width="2.5"/>`);
    parts.push(`<text x="${M.left + 44}" y="${ly + 4}" fill="#212529">${esc(name)}</text>`);
  }
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
