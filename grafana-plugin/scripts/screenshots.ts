/**
 * Renders the catalogue screenshots (src/img/screenshots/*.png, listed in plugin.json):
 * each page's layout from its spec (src/spec/layoutHtml.ts) in headless Chromium
 * (Debian's /usr/bin/chromium; CHROMIUM_PATH overrides), and records the hash of each
 * layout in scripts/screenshot-layouts.json so a test sees a screenshot that no longer
 * matches its page.
 * Run with `npm run screenshots`.
 */
import { execFileSync } from 'child_process';
import { createHash } from 'crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import path from 'path';

async function main(): Promise<void> {
  // The page specs build trace links with @grafana/data, which expects a browser at import time.
  const { JSDOM } = await import('jsdom');
  const { window } = new JSDOM('');
  Object.assign(globalThis, { window, document: window.document });
  const { LAYOUT_WIDTH, layoutHtml } = await import('../src/spec/layoutHtml');
  const { SCREENSHOTS, SCREENSHOT_DIR } = await import('../src/spec/screenshots');

  const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  const out = path.join(__dirname, '..', 'src', SCREENSHOT_DIR);
  mkdirSync(out, { recursive: true });
  const tmp = mkdtempSync(path.join(tmpdir(), 'stormwatch-screenshots-'));
  const hashes: Record<string, string> = {};
  try {
    for (const shot of SCREENSHOTS) {
      const html = layoutHtml(shot.page());
      hashes[shot.file] = createHash('sha256').update(html).digest('hex');
      const file = path.join(tmp, shot.file.replace(/\.png$/, '.html'));
      writeFileSync(file, html);
      const height = Number(/\.page\{position:relative;width:\d+px;height:(\d+)px/.exec(html)?.[1] ?? 1200);
      execFileSync(
        chromium,
        [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--hide-scrollbars',
          `--window-size=${LAYOUT_WIDTH},${height}`,
          `--screenshot=${path.join(out, shot.file)}`,
          `file://${file}`,
        ],
        { stdio: 'pipe' }
      );
      console.log(`wrote src/${SCREENSHOT_DIR}/${shot.file}`);
    }
    // Beside this script, not under src/: the build ships every JSON file of src/.
    writeFileSync(path.join(__dirname, 'screenshot-layouts.json'), `${JSON.stringify(hashes, null, 2)}\n`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
