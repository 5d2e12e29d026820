import type { PageSpec, PanelSpec } from './PageSpec';

/**
 * A page's layout as a self-contained HTML page (no script, no network): every panel at its
 * place on the 24-column grid with its title, kind, unit, queries and alert thresholds. The
 * plugin's catalogue screenshots are this page rendered by headless Chromium
 * (`npm run screenshots`): what they show is the layout, not data.
 */

/** Width of the rendered page in pixels, and of one grid column. */
export const LAYOUT_WIDTH = 1600;
const COLUMN = LAYOUT_WIDTH / 24;
/** Height of a grid unit in the rendering (taller than Grafana's 30 px, to fit the text). */
const ROW = 34;

const KIND: Record<PanelSpec['type'], string> = {
  stat: 'stat',
  timeseries: 'time series',
  bargauge: 'bar gauge',
  table: 'table',
  'state-timeline': 'state timeline',
  heatmap: 'heatmap',
};

const escapeHtml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function box(spec: PanelSpec, x: number, y: number): string {
  const red = (spec.thresholds ?? []).filter((t) => t.value !== null);
  const facts = [
    KIND[spec.type],
    ...(spec.unit && spec.unit !== 'none' ? [spec.unit] : []),
    ...red.map((t) => `red from ${t.value}`),
    ...(spec.queries.some((q) => q.exemplar) ? ['exemplars'] : []),
    ...(spec.sortBy ? [`sorted by ${spec.sortBy.field}`] : []),
    ...(spec.timeFrom ? [`since ${spec.timeFrom}`] : []),
  ];
  const style = `left:${x * COLUMN}px;top:${y * ROW}px;width:${spec.w * COLUMN - 8}px;height:${spec.h * ROW - 8}px`;
  return (
    `<div class="panel ${spec.type}" style="${style}">` +
    `<div class="title">${escapeHtml(spec.title)}</div>` +
    `<div class="facts">${escapeHtml(facts.join(' · '))}</div>` +
    `<div class="queries">${escapeHtml(spec.queries.map((q) => q.id).join(', '))}</div>` +
    `</div>`
  );
}

/** The HTML of a page's layout. */
export function layoutHtml(page: PageSpec): string {
  const boxes: string[] = [];
  let y = 1;
  for (const row of page.rows) {
    let x = 0;
    for (const spec of row) {
      boxes.push(box(spec, x, y));
      x += spec.w;
    }
    y += Math.max(...row.map((p) => p.h));
  }
  const height = y * ROW + 8;
  const annotations = (page.annotations ?? []).map((a) => a.name).join(', ');
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>${escapeHtml(page.title)}</title><style>
body{margin:0;background:#111217;font-family:Inter,Helvetica,Arial,sans-serif;color:#ccccdc}
.page{position:relative;width:${LAYOUT_WIDTH}px;height:${height}px}
.header{position:absolute;left:0;top:0;width:${LAYOUT_WIDTH}px;height:${ROW}px;padding:6px 10px;box-sizing:border-box;font-size:18px;color:#fff}
.header span{font-size:13px;color:#9fa7b3;margin-left:16px}
.panel{position:absolute;margin:4px;box-sizing:border-box;padding:8px 10px;background:#181b1f;border:1px solid #2c3235;border-radius:4px;overflow:hidden}
.panel.stat{border-top:3px solid #73bf69}.panel.timeseries{border-top:3px solid #5794f2}.panel.table{border-top:3px solid #b877d9}
.panel.bargauge{border-top:3px solid #ff9830}.panel.state-timeline{border-top:3px solid #f2495c}.panel.heatmap{border-top:3px solid #fade2a}
.title{font-size:14px;font-weight:600;color:#fff}.facts{font-size:12px;color:#9fa7b3;margin-top:4px}
.queries{font-size:11px;color:#6e7480;margin-top:4px;font-family:monospace}
</style></head><body><div class="page">
<div class="header">${escapeHtml(page.title)}<span>${escapeHtml(
    annotations ? `layout of the page · annotations: ${annotations}` : 'layout of the page'
  )}</span></div>
${boxes.join('\n')}
</div></body></html>
`;
}
