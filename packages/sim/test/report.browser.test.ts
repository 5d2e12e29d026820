/**
 * Opens the HTML report in headless Chromium (Debian's /usr/bin/chromium, driven by
 * playwright-core) and checks that every chart renders with data: the SVG paths carry
 * one point per second with varying values, and a screenshot of each chart contains
 * pixels of each policy's line colour.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compare } from '../src/compare.js';
import { POLICIES } from '../src/policies/index.js';
import { renderHtmlReport } from '../src/report/html.js';
import { storm50 } from '../src/scenarios/storm50.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const COLORS: Record<string, [number, number, number]> = {
  'fixed-1s': [0xe6, 0x55, 0x0d],
  exponential: [0xd6, 0x27, 0x28],
  'sdk-default': [0x94, 0x67, 0xbd],
  cockatiel: [0x8c, 0x56, 0x4b],
  'jitter-breaker': [0x1f, 0x77, 0xb4],
  'stormwatch-0.1': [0x17, 0xbe, 0xcf],
  stormwatch: [0x2c, 0xa0, 0x2c],
  'stormwatch-shared': [0xe3, 0x77, 0xc2],
  oracle: [0x11, 0x11, 0x11],
};

/** Counts, in a PNG screenshot, the pixels within a small distance of each colour (decoded by the page's own canvas). */
async function countColors(page: Page, png: Buffer, colors: Record<string, [number, number, number]>): Promise<Record<string, number>> {
  // Runs in the page (a string, so this Node-typed file needs no DOM typings).
  const script = `(async ({ dataUrl, colors }) => {
    const img = new Image();
    img.src = dataUrl;
    await img.decode();
    const canvas = document.createElement('canvas');
    canvas.width = img.width;
    canvas.height = img.height;
    const ctx = canvas.getContext('2d');
    ctx.drawImage(img, 0, 0);
    const { data } = ctx.getImageData(0, 0, img.width, img.height);
    const counts = {};
    for (const k of Object.keys(colors)) counts[k] = 0;
    for (let i = 0; i < data.length; i += 4) {
      for (const [k, [r, g, b]] of Object.entries(colors)) {
        if (Math.abs(data[i] - r) + Math.abs(data[i + 1] - g) + Math.abs(data[i + 2] - b) < 40) counts[k] += 1;
      }
    }
    return counts;
  })(${JSON.stringify({ dataUrl: `data:image/png;base64,${png.toString('base64')}`, colors })})`;
  return (await page.evaluate(script)) as Record<string, number>;
}

describe('HTML report in headless Chromium', () => {
  let browser: Browser;
  let page: Page;
  let dir: string;

  beforeAll(async () => {
    expect(existsSync(CHROMIUM), `Chromium not found at ${CHROMIUM} (install Debian's chromium)`).toBe(true);
    const comparison = await compare({ scenario: { ...storm50, fleet: { ...storm50.fleet, clients: 20 } }, seed: 1 });
    dir = await mkdtemp(join(tmpdir(), 'stormwatch-report-'));
    const file = join(dir, 'storm-50.html');
    await writeFile(file, renderHtmlReport(comparison));
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
    page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    // No network: the report must be self-contained.
    await page.route(/^(?!file:|data:)/, (route) => route.abort());
    await page.goto(pathToFileURL(file).href);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('has every chart, each series drawn with one point per second and varying values', async () => {
    const charts = await page.$$eval('svg.chart', (svgs) =>
      svgs.map((svg) => ({
        id: svg.getAttribute('data-chart'),
        width: svg.getBoundingClientRect().width,
        series: [...svg.querySelectorAll('path[data-series]')].map((p) => {
          const ys = (p.getAttribute('d') ?? '').split(/[ML]/).filter(Boolean).map((pt: string) => Number(pt.split(',')[1]));
          return { id: p.getAttribute('data-series'), points: ys.length, distinctY: new Set(ys).size };
        }),
      })),
    );
    const ids = ['fixed-1s', 'exponential', 'sdk-default', 'cockatiel', 'jitter-breaker', 'stormwatch-0.1', 'stormwatch', 'stormwatch-shared', 'oracle'];
    expect(charts.map((c) => c.id)).toEqual([
      ...ids.map((id) => `attempts-${id}`),
      ...ids.map((id) => `zoom-${id}`),
      'http529',
      'resent',
      'wasted-usd',
      'open-calls',
    ]);
    for (const chart of charts) {
      expect(chart.width).toBeGreaterThan(800);
      for (const s of chart.series) {
        expect(s.points, `${chart.id}/${s.id}`).toBeGreaterThanOrEqual(chart.id?.startsWith('zoom-') ? 200 : 150);
        // The oracle never gets a 529 and resends almost nothing: its lines may be flat; so may the shared store's 529s, a handful in all.
        const mayBeFlat = s.id === 'oracle' || s.id === 'capacity' || (chart.id === 'http529' && s.id === 'stormwatch-shared');
        if (!mayBeFlat) expect(s.distinctY, `${chart.id}/${s.id}`).toBeGreaterThan(3);
      }
    }
    expect(charts.find((c) => c.id === 'http529')!.series.map((s) => s.id)).toEqual(ids);
    expect(POLICIES.length + 1).toBe(ids.length);
  });

  it('renders the lines: screenshots of the charts hold pixels of every policy colour', async () => {
    for (const id of ['fixed-1s', 'exponential', 'stormwatch', 'stormwatch-shared', 'oracle']) {
      const png = await page.locator(`svg[data-chart="attempts-${id}"]`).screenshot();
      const counts = await countColors(page, png, { [id]: COLORS[id]! });
      expect(counts[id], `attempts-${id}`).toBeGreaterThan(300);
    }
    const peers = Object.fromEntries(Object.entries(COLORS).filter(([k]) => k !== 'oracle'));
    for (const chart of ['http529', 'resent']) {
      const png = await page.locator(`svg[data-chart="${chart}"]`).screenshot();
      const counts = await countColors(page, png, peers);
      // Every line shows (a missing one has no pixel at all); the low ones run along the axis
      // and partly under each other (the shared store's, then jitter-breaker's, 0.1's).
      for (const [k, n] of Object.entries(counts)) expect(n, `${chart}/${k}`).toBeGreaterThan(chart === 'http529' ? 20 : 100);
    }
    const table = await page.$$eval('table:first-of-type tbody tr', (rows) => rows.map((r) => r.querySelector('td')?.textContent));
    expect(table).toHaveLength(9);
  });
});
