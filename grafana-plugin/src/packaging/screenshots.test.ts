import { createHash } from 'crypto';
import { existsSync, readFileSync } from 'fs';
import path from 'path';
import pluginJson from '../plugin.json';
import { LAYOUT_WIDTH, layoutHtml } from '../spec/layoutHtml';
import { SCREENSHOTS, SCREENSHOT_DIR } from '../spec/screenshots';

/**
 * The catalogue screenshots (the plugin validator wants at least one): each page's layout
 * rendered by `npm run screenshots`, listed in plugin.json, real PNGs of the layout's size,
 * and made from the pages as they are now.
 */

const SRC = path.join(__dirname, '..');
const png = (file: string) => readFileSync(path.join(SRC, SCREENSHOT_DIR, file));
const recorded: Record<string, string> = JSON.parse(
  readFileSync(path.join(SRC, '..', 'scripts', 'screenshot-layouts.json'), 'utf8')
);

describe('catalogue screenshots', () => {
  it('are listed in plugin.json, one per page layout, by name and path', () => {
    expect(pluginJson.info.screenshots).toEqual(
      SCREENSHOTS.map((s) => ({ name: s.name, path: `${SCREENSHOT_DIR}/${s.file}` }))
    );
    expect(pluginJson.info.screenshots.length).toBeGreaterThan(0);
  });

  it.each(SCREENSHOTS.map((s) => [s.file, s] as const))('%s is a PNG of the whole layout', (file, shot) => {
    expect(existsSync(path.join(SRC, SCREENSHOT_DIR, file))).toBe(true);
    const data = png(file);
    expect([...data.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(data.subarray(12, 16).toString('ascii')).toBe('IHDR');
    const html = layoutHtml(shot.page());
    const height = Number(/\.page\{position:relative;width:\d+px;height:(\d+)px/.exec(html)?.[1]);
    expect({ width: data.readUInt32BE(16), height: data.readUInt32BE(20) }).toEqual({ width: LAYOUT_WIDTH, height });
  });

  it.each(SCREENSHOTS.map((s) => [s.file, s] as const))(
    '%s shows the page as it is now (else run `npm run screenshots`)',
    (file, shot) => {
      expect(recorded[file]).toBe(createHash('sha256').update(layoutHtml(shot.page())).digest('hex'));
    }
  );

  it('lays out every panel of a page with its title, and escapes text', () => {
    const page = SCREENSHOTS[0].page();
    const html = layoutHtml(page);
    for (const panel of page.rows.flat()) {
      expect(html).toContain(`<div class="title">${panel.title.replace(/&/g, '&amp;')}</div>`);
    }
    const odd = layoutHtml({ ...page, title: '<b>&' });
    expect(odd).toContain('&lt;b&gt;&amp;');
    expect(odd).not.toContain('<b>&');
  });
});
