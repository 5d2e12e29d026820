import { readdirSync, readFileSync } from 'fs';
import path from 'path';
import srcPluginJson from '../plugin.json';
import { PLUGIN_ID, QUICK_START_URL, RUNBOOKS_URL } from '../constants';

const DIST = path.join(__dirname, '..', '..', 'dist');
const RUNBOOKS = path.join(__dirname, '..', '..', '..', 'docs', 'runbooks');
/** Links that resolve nowhere: the repository that was never created, example hosts. */
const PLACEHOLDER = /github\.com\/stormwatch|example\.(com|org)|%[A-Z_]+%|TODO|{{/;

describe('links of the app resolve', () => {
  it("sends the empty states to the app's own page in Grafana, which shows the packaged README", () => {
    expect(QUICK_START_URL).toBe(`/plugins/${PLUGIN_ID}`);
    const readme = readFileSync(path.join(DIST, 'README.md'), 'utf8');
    expect(readme).toMatch(/^## Install$/m);
    expect(readme).toMatch(/^## Requirements$/m);
  });

  it('serves the runbooks from the package: every docs/runbooks/*.md is in dist/runbooks/', () => {
    expect(RUNBOOKS_URL).toBe(`/public/plugins/${PLUGIN_ID}/runbooks`);
    const runbooks = readdirSync(RUNBOOKS).filter((f) => f.endsWith('.md'));
    expect(runbooks.length).toBeGreaterThan(0);
    for (const file of runbooks) {
      expect(readFileSync(path.join(DIST, 'runbooks', file), 'utf8')).toBe(
        readFileSync(path.join(RUNBOOKS, file), 'utf8')
      );
    }
  });

  it('lists in plugin.json only absolute links with no placeholder', () => {
    expect(srcPluginJson.info.links.length).toBeGreaterThan(0);
    for (const link of srcPluginJson.info.links) {
      expect(link.url).toMatch(/^https:\/\/[a-z0-9.-]+\.[a-z]{2,}\//);
      expect(link.url).not.toMatch(PLACEHOLDER);
    }
  });

  it('leaves no placeholder link in the built code, plugin.json or dashboards', () => {
    const files = [
      ...readdirSync(DIST).filter((f) => f.endsWith('.js') || f === 'plugin.json'),
      ...readdirSync(path.join(DIST, 'dashboards')).map((f) => `dashboards/${f}`),
    ];
    const hits = files.filter((f) =>
      /github\.com\/stormwatch|example\.(com|org)/.test(readFileSync(path.join(DIST, f), 'utf8'))
    );
    expect(hits).toEqual([]);
  });

  it('finds the placeholder it looks for', () => {
    expect('https://github.com/stormwatch/stormwatch#quick-start').toMatch(PLACEHOLDER);
    expect('https://www.apache.org/licenses/LICENSE-2.0').not.toMatch(PLACEHOLDER);
  });
});
