/**
 * Line charts as inline SVG: no script, no network, renders in any browser and in the
 * headless-Chromium test. Each series is one `<path data-series="…">` whose `d` holds one
 * point per value.
 */
import { escapeHtml } from './format.js';

export interface Series {
  readonly id: string;
  readonly label: string;
  readonly color: string;
  readonly values: readonly number[];
  /** Draw dashed (the oracle, reference lines). */
  readonly dashed?: boolean;
  /** Thicker line (the policy under study). */
  readonly emphasis?: boolean;
}

export interface ChartOptions {
  /** `data-chart` attribute, for tests. */
  readonly id: string;
  readonly title: string;
  readonly yLabel: string;
  readonly series: readonly Series[];
  /** Shaded x ranges [start, end) in value indices (seconds), e.g. the storm. */
  readonly shade?: readonly { start: number; end: number }[];
  readonly width?: number;
  readonly height?: number;
  /** Fixed top of the y axis (to share a scale between small multiples). */
  readonly yMax?: number;
  /** Format of y tick labels. */
  readonly yFormat?: (v: number) => string;
  /** Draw a legend. Defaults to true. */
  readonly legend?: boolean;
  /** Label of x index `i` (defaults to `${i} s`) and the spacing of x ticks (defaults to {@link xStepFor}). */
  readonly xLabel?: (i: number) => string;
  readonly xStep?: number;
}

/**
 * The x tick spacing for `n` points (seconds): 30, or 60 beyond 240 points, and beyond 16
 * ticks the next of 2, 5, 10, 15, 30 and 60 minutes (an hour-long run's labels would overlap).
 */
export function xStepFor(n: number): number {
  let step = n > 240 ? 60 : 30;
  for (const next of [120, 300, 600, 900, 1800, 3600]) if (n / step > 16) step = next;
  return step;
}

/** A "nice" axis top ≥ max: 1, 2 or 5 times a power of ten. */
export function niceMax(max: number): number {
  if (!(max > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(max));
  for (const m of [1, 2, 5, 10]) if (m * p >= max) return m * p;
  return 10 * p;
}

const fmtDefault = (v: number) => (Math.abs(v) >= 1000 ? `${v / 1000}k` : String(Number(v.toPrecision(3))));

export function lineChart(o: ChartOptions): string {
  const width = o.width ?? 900;
  const height = o.height ?? 260;
  const m = { top: 28, right: 16, bottom: 28, left: 56 };
  const legendRows = o.legend === false ? 0 : Math.ceil(o.series.length / 4);
  const plotW = width - m.left - m.right;
  const plotH = height - m.top - m.bottom - legendRows * 18;
  const n = Math.max(1, ...o.series.map((s) => s.values.length));
  const yMax = o.yMax ?? niceMax(Math.max(0, ...o.series.flatMap((s) => s.values)));
  const x = (i: number) => m.left + (n <= 1 ? 0 : (i / (n - 1)) * plotW);
  const y = (v: number) => m.top + plotH - (Math.max(0, v) / yMax) * plotH;
  const fmt = o.yFormat ?? fmtDefault;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" data-chart="${escapeHtml(o.id)}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeHtml(o.title)}">`,
  );
  parts.push(`<text x="${m.left}" y="16" class="title">${escapeHtml(o.title)}</text>`);
  for (const s of o.shade ?? []) {
    parts.push(
      `<rect class="storm" x="${x(s.start).toFixed(1)}" y="${m.top}" width="${(x(Math.min(s.end, n - 1)) - x(s.start)).toFixed(1)}" height="${plotH}" fill="#fde2e2"/>`,
    );
  }
  for (let k = 0; k <= 4; k++) {
    const v = (yMax * k) / 4;
    const yy = y(v).toFixed(1);
    parts.push(`<line x1="${m.left}" x2="${m.left + plotW}" y1="${yy}" y2="${yy}" stroke="#e5e5e5"/>`);
    parts.push(`<text x="${m.left - 6}" y="${yy}" class="tick" text-anchor="end" dominant-baseline="middle">${escapeHtml(fmt(v))}</text>`);
  }
  const step = o.xStep ?? xStepFor(n);
  const xLabel = o.xLabel ?? ((i: number) => `${i} s`);
  for (let t = 0; t < n; t += step) {
    parts.push(`<text x="${x(t).toFixed(1)}" y="${m.top + plotH + 16}" class="tick" text-anchor="middle">${escapeHtml(xLabel(t))}</text>`);
  }
  parts.push(`<text x="14" y="${m.top + plotH / 2}" class="axis" transform="rotate(-90 14 ${m.top + plotH / 2})" text-anchor="middle">${escapeHtml(o.yLabel)}</text>`);
  for (const s of o.series) {
    const d = s.values.map((v, i) => `${i === 0 ? 'M' : 'L'}${x(i).toFixed(1)},${y(v).toFixed(1)}`).join('');
    parts.push(
      `<path data-series="${escapeHtml(s.id)}" d="${d}" fill="none" stroke="${s.color}" stroke-width="${s.emphasis ? 2.5 : 1.4}"${s.dashed ? ' stroke-dasharray="5 3"' : ''} stroke-linejoin="round"><title>${escapeHtml(s.label)}</title></path>`,
    );
  }
  parts.push(`<rect x="${m.left}" y="${m.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#999"/>`);
  if (o.legend !== false) {
    o.series.forEach((s, i) => {
      const lx = m.left + (i % 4) * (plotW / 4);
      const ly = height - legendRows * 18 + Math.floor(i / 4) * 18 + 4;
      parts.push(
        `<line x1="${lx}" x2="${lx + 22}" y1="${ly}" y2="${ly}" stroke="${s.color}" stroke-width="${s.emphasis ? 3 : 2}"${s.dashed ? ' stroke-dasharray="5 3"' : ''}/>`,
      );
      parts.push(`<text x="${lx + 28}" y="${ly}" class="legend" dominant-baseline="middle">${escapeHtml(s.label)}</text>`);
    });
  }
  parts.push('</svg>');
  return parts.join('');
}
