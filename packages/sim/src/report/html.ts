/**
 * The self-contained HTML report of a comparison: the scenario, the table, the targets
 * and inline-SVG charts (attempts per second per policy with the service's capacity,
 * 529s per second, cumulative resent tokens, cumulative billed waste in USD). No script
 * and no external resource: it opens offline.
 */
import type { Comparison, PolicyResult } from '../compare.js';
import { ZOOM_BINS, ZOOM_BIN_MS } from '../timeline.js';
import { ORACLE_ID } from '../policies/index.js';
import { capacityFactorAt, inWindow } from '../scenarios/windows.js';
import { columnsFor } from './table.js';
import { targetsFor, targetsHeading } from './targets.js';
import { escapeHtml, fmtPct } from './format.js';
import { lineChart, niceMax, type Series } from './svgChart.js';

/** One color per policy, in POLICIES order, then the oracle. */
const COLORS: Readonly<Record<string, string>> = {
  'fixed-1s': '#e6550d',
  exponential: '#d62728',
  'sdk-default': '#9467bd',
  cockatiel: '#8c564b',
  'jitter-breaker': '#1f77b4',
  'stormwatch-0.1': '#17becf',
  stormwatch: '#2ca02c',
  'stormwatch-shared': '#e377c2',
  'stormwatch-defer': '#bcbd22',
  'stormwatch-defer-shared': '#8c6d31',
  [ORACLE_ID]: '#111111',
};

function series(r: PolicyResult, values: readonly number[]): Series {
  return {
    id: r.policyId,
    label: r.label,
    color: COLORS[r.policyId] ?? '#7f7f7f',
    values,
    dashed: r.policyId === ORACLE_ID,
    emphasis: r.policyId === 'stormwatch',
  };
}

/** The service's admission limit (requests per second) of the fleet's model, per second. */
function capacityPerSecond(c: Comparison, seconds: number): number[] {
  const { scenario } = c;
  const spec = scenario.models.find((m) => m.id === scenario.fleet.model)!;
  const out: number[] = [];
  for (let s = 0; s < seconds; s++) {
    let limit = Math.max(1, Math.floor(spec.requestsPerSecond * capacityFactorAt(scenario.overloads, spec.id, s * 1000)));
    for (const w of scenario.rateLimitWaves) if (inWindow(w, s * 1000)) limit = Math.min(limit, w.requestsPerSecond);
    out.push(limit);
  }
  return out;
}

function shades(c: Comparison): { start: number; end: number }[] {
  const { scenario } = c;
  const windows = [...scenario.overloads, ...scenario.rateLimitWaves, ...scenario.resetWaves];
  return windows.map((w) => ({ start: w.startS, end: w.endS }));
}

export function renderHtmlReport(c: Comparison): string {
  const { scenario } = c;
  const seconds = Math.max(...c.results.map((r) => r.timeline.seconds));
  const capacity = capacityPerSecond(c, seconds);
  const shade = shades(c);
  const attemptsMax = niceMax(Math.max(...capacity, ...c.results.flatMap((r) => r.timeline.attempts)));
  const smallMultiples = c.results
    .map((r) =>
      lineChart({
        id: `attempts-${r.policyId}`,
        title: `${r.label}: attempts per second`,
        yLabel: 'attempts/s',
        series: [
          series(r, r.timeline.attempts),
          { id: 'capacity', label: 'admission limit (req/s)', color: '#888888', values: capacity, dashed: true },
        ],
        shade,
        yMax: attemptsMax,
        width: 900,
        height: 170,
        legend: false,
      }),
    )
    .join('\n');
  const zoomStartMs = c.results[0]?.timeline.zoomStartMs ?? 0;
  const zoomMax = niceMax(Math.max(...c.results.flatMap((r) => r.timeline.zoomAttempts)));
  const zoom = c.results
    .map((r) =>
      lineChart({
        id: `zoom-${r.policyId}`,
        title: `${r.label}: attempts per ${ZOOM_BIN_MS} ms`,
        yLabel: `per ${ZOOM_BIN_MS} ms`,
        series: [series(r, r.timeline.zoomAttempts)],
        shade: [{ start: Math.max(0, (scenario.storm.startS * 1000 - zoomStartMs) / ZOOM_BIN_MS), end: ZOOM_BINS }],
        yMax: zoomMax,
        width: 900,
        height: 130,
        legend: false,
        xStep: 20,
        xLabel: (i) => `${((zoomStartMs + i * ZOOM_BIN_MS) / 1000).toFixed(0)} s`,
      }),
    )
    .join('\n');
  const charts = [
    lineChart({
      id: 'http529',
      title: 'HTTP 529 answers per second',
      yLabel: '529s/s',
      series: c.results.map((r) => series(r, r.timeline.http529)),
      shade,
    }),
    lineChart({
      id: 'resent',
      title: 'Cumulative resent input tokens',
      yLabel: 'tokens',
      series: c.results.map((r) => series(r, r.timeline.cumulativeResentTokens)),
      shade,
      yFormat: (v) => (v >= 1e6 ? `${v / 1e6}M` : v >= 1e3 ? `${v / 1e3}k` : String(v)),
    }),
    lineChart({
      id: 'wasted-usd',
      title: 'Cumulative billed waste (USD): tokens billed for results thrown away',
      yLabel: 'USD',
      series: c.results.map((r) => series(r, r.timeline.cumulativeWastedUsd)),
      shade,
      yFormat: (v) => `$${Number(v.toPrecision(3))}`,
    }),
    lineChart({
      id: 'open-calls',
      title: 'Calls in progress (the backlog)',
      yLabel: 'calls',
      series: c.results.map((r) => series(r, r.timeline.openCalls)),
      shade,
    }),
  ].join('\n');
  const columns = columnsFor(scenario);
  const table = [
    '<table><thead><tr>',
    ...columns.map((col) => `<th>${escapeHtml(col.header)}</th>`),
    '</tr></thead><tbody>',
    ...c.results.map(
      (r) => `<tr class="${r.policyId === 'stormwatch' ? 'sw' : ''}">${columns.map((col) => `<td>${escapeHtml(col.cell(r.figures))}</td>`).join('')}</tr>`,
    ),
    '</tbody></table>',
  ].join('');
  const failureTable = [
    '<table><thead><tr><th>policy</th><th>ok in deadline: started before the storm</th><th>during</th><th>after</th><th>answered by a fallback model</th><th>failed calls by error</th></tr></thead><tbody>',
    ...c.results.map((r) => {
      const p = r.figures.successByPhase;
      const f = Object.entries(r.figures.failures).map(([k, n]) => `${k} ${n}`).join(', ') || '—';
      return `<tr class="${r.policyId === 'stormwatch' ? 'sw' : ''}"><td>${escapeHtml(r.label)}</td><td>${fmtPct(p.before)}</td><td>${fmtPct(p.storm)}</td><td>${fmtPct(p.after)}</td><td>${r.figures.fallbackAnswers}</td><td style="text-align:left">${escapeHtml(f)}</td></tr>`;
    }),
    '</tbody></table>',
  ].join('');
  const targets = targetsFor(c);
  const targetList = targets
    .map((t) => `<li class="${t.met ? 'met' : 'missed'}">${t.met ? '✔' : '✘'} ${escapeHtml(t.name)}: ${escapeHtml(t.value)} (target ${escapeHtml(t.target)})</li>`)
    .join('');
  const definitions = c.results
    .map((r) => `<li><b style="color:${COLORS[r.policyId] ?? '#777'}">${escapeHtml(r.label)}</b>: ${escapeHtml(r.description)}</li>`)
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Stormwatch storm lab: ${escapeHtml(scenario.name)} (seed ${c.seed})</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px auto;max-width:1240px;color:#222;background:#fff}
h1{font-size:22px;margin:0 0 4px} h2{font-size:17px;margin:28px 0 8px}
table{border-collapse:collapse;font-size:11.5px;display:block;overflow-x:auto;font-variant-numeric:tabular-nums}
th,td{padding:3px 6px;border-bottom:1px solid #ddd;text-align:right;white-space:nowrap} th:first-child,td:first-child{text-align:left}
tr.sw td{background:#eef8ee;font-weight:600}
.chart{display:block;margin:8px 0} .chart .title{font-size:13px;font-weight:600}
.chart .tick{font-size:10px;fill:#666} .chart .axis,.chart .legend{font-size:11px;fill:#333}
li.met{color:#17692b} li.missed{color:#a1261b} .muted{color:#666}
</style></head><body>
<h1>Storm lab: ${escapeHtml(scenario.title)}</h1>
<p class="muted">scenario <code>${escapeHtml(scenario.name)}</code> · seed ${c.seed} · ${scenario.fleet.clients} ${scenario.fleet.kind}-loop clients · ${seconds} s of virtual time · simulated in ${(c.elapsedMs / 1000).toFixed(1)} s</p>
<p>${escapeHtml(scenario.description)}</p>
<h2>Figures</h2>
${table}
<p class="muted">Amplification: attempts per logical call (storm: calls started in the storm window). Resent input tokens: input of every attempt after a call's first (not billed, but load). Billed waste: tokens billed for results thrown away (streams broken by overloaded_error or abandoned after they started), at list prices. Latency: successful calls. Drain: from the storm's end until calls no longer fail and the calls in progress are back to their pre-storm level.</p>
<h2>Who succeeded, and why calls failed</h2>
${failureTable}
${targets.length > 0 ? `<h2>${escapeHtml(targetsHeading(scenario.name))}</h2>\n<ul>${targetList}</ul>` : ''}
<h2>Attempts per second, per policy</h2>
<p class="muted">Shaded: the storm. Dashed grey: the service's admission limit. Retry waves show as spikes above it.</p>
${smallMultiples}
<h2>Close-up: the first ${(ZOOM_BINS * ZOOM_BIN_MS) / 1000 - 1} s of the storm</h2>
<p class="muted">Attempts per ${ZOOM_BIN_MS} ms. Retries without jitter arrive in synchronized waves (for the 1-2-4-8 s loop, 1, 3, 7 and 15 s after the work in flight was shed); jitter spreads them.</p>
${zoom}
<h2>Overload, waste and backlog</h2>
${charts}
<h2>Policies</h2>
<ul>${definitions}</ul>
</body></html>
`;
}
