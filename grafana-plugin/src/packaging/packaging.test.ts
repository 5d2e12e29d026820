import { createHash } from 'crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import path from 'path';
import { isPackagingError, packagePlugin } from '../../scripts/package';
import { readZip } from './readZip';

const PLUGIN_JSON = { type: 'app', id: 'stormwatch-stormwatch-app', name: 'Stormwatch', info: { version: '1.2.3' } };

function fakeDist(files: Record<string, string>): { root: string; distDir: string; outDir: string } {
  const root = mkdtempSync(path.join(tmpdir(), 'stormwatch-package-'));
  const distDir = path.join(root, 'dist');
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(distDir, rel)), { recursive: true });
    writeFileSync(path.join(distDir, rel), content);
  }
  return { root, distDir, outDir: path.join(root, 'artifacts') };
}

describe('packagePlugin', () => {
  const roots: string[] = [];
  afterEach(() => roots.splice(0).forEach((r) => rmSync(r, { recursive: true, force: true })));

  it('zips dist under one root folder named after the plugin id, with a sha1 beside it', () => {
    const files = {
      'plugin.json': JSON.stringify(PLUGIN_JSON),
      'module.js': 'define([], () => ({}));',
      'img/logo.svg': '<svg/>',
      'dashboards/overview.json': '{"title":"Stormwatch overview"}',
      'README.md': '# Stormwatch',
    };
    const { root, distDir, outDir } = fakeDist(files);
    roots.push(root);

    const result = packagePlugin({ distDir, outDir });

    const zipBytes = readFileSync(path.join(outDir, 'stormwatch-stormwatch-app-1.2.3.zip'));
    expect(result).toEqual({
      zipPath: path.join(outDir, 'stormwatch-stormwatch-app-1.2.3.zip'),
      sha1Path: path.join(outDir, 'stormwatch-stormwatch-app-1.2.3.zip.sha1'),
      sha1: createHash('sha1').update(zipBytes).digest('hex'),
      id: 'stormwatch-stormwatch-app',
      version: '1.2.3',
      entries: [
        'stormwatch-stormwatch-app/README.md',
        'stormwatch-stormwatch-app/dashboards/overview.json',
        'stormwatch-stormwatch-app/img/logo.svg',
        'stormwatch-stormwatch-app/module.js',
        'stormwatch-stormwatch-app/plugin.json',
      ],
    });
    expect(readFileSync(result.sha1Path, 'utf8')).toBe(`${result.sha1}\n`);
    const entries = readZip(zipBytes);
    expect(Object.fromEntries(entries.map((e) => [e.name, e.data.toString('utf8')]))).toEqual(
      Object.fromEntries(Object.entries(files).map(([rel, content]) => [`stormwatch-stormwatch-app/${rel}`, content]))
    );
  });

  it.each([
    [
      'module.js is missing',
      { 'plugin.json': JSON.stringify(PLUGIN_JSON) },
      /dist\/module\.js is missing: run `npm run build`/,
    ],
    ['plugin.json is missing', { 'module.js': '' }, /dist\/plugin\.json is missing/],
    ['plugin.json is not JSON', { 'plugin.json': '<html>', 'module.js': '' }, /plugin\.json is not valid JSON/],
    [
      'the version placeholder was not replaced',
      { 'plugin.json': JSON.stringify({ ...PLUGIN_JSON, info: { version: '%VERSION%' } }), 'module.js': '' },
      /info\.version "%VERSION%" is not a release version/,
    ],
    [
      'the id is not a plugin id',
      { 'plugin.json': JSON.stringify({ ...PLUGIN_JSON, id: 'Stormwatch' }), 'module.js': '' },
      /id "Stormwatch" is not a Grafana plugin id/,
    ],
    [
      'the id has no name between org and type',
      { 'plugin.json': JSON.stringify({ ...PLUGIN_JSON, id: 'acme-app' }), 'module.js': '' },
      /id "acme-app" is not a Grafana plugin id \(<org>-<name>-app\)/,
    ],
    [
      'the id does not end with the plugin type',
      { 'plugin.json': JSON.stringify({ ...PLUGIN_JSON, id: 'stormwatch-stormwatch-panel' }), 'module.js': '' },
      /id "stormwatch-stormwatch-panel" does not end with its type "app"/,
    ],
  ])('refuses a dist where %s', (_name, files, message) => {
    const { root, distDir, outDir } = fakeDist(files as Record<string, string>);
    roots.push(root);
    let error: unknown;
    try {
      packagePlugin({ distDir, outDir });
    } catch (e) {
      error = e;
    }
    expect(isPackagingError(error)).toBe(true);
    expect((error as Error).message).toMatch(message);
  });
});

describe('readZip', () => {
  it('rejects bytes that are not a zip archive', () => {
    expect(() => readZip(Buffer.from('<html>502 Bad Gateway</html>'.padEnd(64)))).toThrow(
      new TypeError('not a zip archive: no end of central directory record')
    );
  });
});
