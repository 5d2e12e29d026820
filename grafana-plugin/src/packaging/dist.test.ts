import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'fs';
import { tmpdir } from 'os';
import path from 'path';
import packageJson from '../../package.json';
import srcPluginJson from '../plugin.json';
import { packagePlugin } from '../../scripts/package';
import { validatePluginJson } from './pluginSchema';
import { readZip } from './readZip';

const DIST = path.join(__dirname, '..', '..', 'dist');

describe('src/plugin.json', () => {
  it('is valid against Grafana plugin schema', () => {
    expect(validatePluginJson(srcPluginJson)).toEqual([]);
  });

  it('states the Grafana version it needs and keeps no secrets', () => {
    expect(srcPluginJson.dependencies.grafanaDependency).toMatch(/^>=\d+\.\d+\.\d+$/);
    expect(JSON.stringify(srcPluginJson)).not.toMatch(/secureJsonData|apiKey|password|token/i);
  });

  it('fails the schema check when the id or the dependencies are wrong', () => {
    const { dependencies: _dependencies, ...withoutDependencies } = srcPluginJson;
    const errors = validatePluginJson({ ...withoutDependencies, id: 'Stormwatch App' });
    expect(errors.map((e) => `${e.instancePath} ${e.message}`).sort()).toEqual([
      " must have required property 'dependencies'",
      '/id must match pattern "^[0-9a-z]+\\-([0-9a-z]+\\-)?(app|panel|datasource)$"',
    ]);
  });
});

// dist/ is the output of `npm run build`; turbo runs the build before this package's tests
// (grafana-plugin/turbo.json), so a missing dist/ is a failure, not a skip.
describe('the build (dist/)', () => {
  const read = (rel: string) => readFileSync(path.join(DIST, rel), 'utf8');
  let distPluginJson: typeof srcPluginJson;

  beforeAll(() => {
    if (!existsSync(path.join(DIST, 'plugin.json'))) {
      throw new Error(`${DIST}/plugin.json is missing: run \`npm run build\` first (turbo does it before \`test\`)`);
    }
    distPluginJson = JSON.parse(read('plugin.json'));
  });

  it('emits module.js', () => {
    expect(statSync(path.join(DIST, 'module.js')).size).toBeGreaterThan(1000);
  });

  it('writes a plugin.json valid against the schema, version and date filled in', () => {
    expect(validatePluginJson(distPluginJson)).toEqual([]);
    expect(distPluginJson.info.version).toBe(packageJson.version);
    expect(distPluginJson.info.updated).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(JSON.stringify(distPluginJson)).not.toContain('%PLUGIN_ID%');
    expect(distPluginJson.id).toBe(srcPluginJson.id);
  });

  it('ships every dashboard, logo, screenshot and README plugin.json refers to', () => {
    const paths = [
      ...distPluginJson.includes.filter((i) => i.type === 'dashboard').map((i) => i.path),
      distPluginJson.info.logos.small,
      distPluginJson.info.logos.large,
      ...(distPluginJson.info.screenshots ?? []).map((s) => s.path),
      'README.md',
      'CHANGELOG.md',
      'LICENSE',
    ];
    expect(paths.filter((p) => !existsSync(path.join(DIST, p)))).toEqual([]);
  });

  it('packages into a zip whose only root entry is a folder named after the plugin id', () => {
    const outDir = mkdtempSync(path.join(tmpdir(), 'stormwatch-dist-package-'));
    try {
      const { zipPath } = packagePlugin({ distDir: DIST, outDir });
      expect(path.basename(zipPath)).toBe(`${srcPluginJson.id}-${packageJson.version}.zip`);
      const entries = readZip(readFileSync(zipPath));
      expect([...new Set(entries.map((e) => e.name.split('/')[0]))]).toEqual([srcPluginJson.id]);
      const names = entries.map((e) => e.name);
      expect(names).toEqual(
        expect.arrayContaining([`${srcPluginJson.id}/plugin.json`, `${srcPluginJson.id}/module.js`])
      );
      const zipped = entries.find((e) => e.name === `${srcPluginJson.id}/plugin.json`)!;
      expect(JSON.parse(zipped.data.toString('utf8'))).toEqual(distPluginJson);
    } finally {
      rmSync(outDir, { recursive: true, force: true });
    }
  });
});
