import { readdirSync, readFileSync } from 'fs';
import path from 'path';
import srcPluginJson from '../plugin.json';
import { decodeMappings, encodeMappings, keepOwnSources, SourceMapError } from '../../scripts/sourceMaps';
import { sourceMapProblems } from './sourceMapCheck';

const ID = srcPluginJson.id;
const SRC = path.join(__dirname, '..');
const DIST = path.join(__dirname, '..', '..', 'dist');
const own = (rel: string) => ({
  source: `webpack://${ID}/./${rel}`,
  content: readFileSync(path.join(SRC, rel), 'utf8'),
});

describe('keepOwnSources (the build keeps in its maps only what the validator can match)', () => {
  // Generated line 0: a segment of each source in turn; line 1: an unmapped segment, then own code again.
  const map = {
    version: 3,
    file: 'module.js',
    sources: [
      `webpack://${ID}/../node_modules/void-elements/index.js`,
      own('constants.ts').source,
      `webpack://${ID}/javascript/node_modules/react-i18next/dist/es/utils.js`,
      `webpack://${ID}/webpack/bootstrap`,
      `webpack://${ID}/../src/values.ts`,
      `webpack://${ID}/external amd "react"`,
      `webpack://${ID}/./node_modules/grafana-public-path.js`,
    ],
    sourcesContent: ['vendor', own('constants.ts').content, 'i18n', 'boot', 'queries', null, 'public path'],
    names: ['x'],
    mappings: encodeMappings([
      [
        [0, 0, 3, 1],
        [5, 1, 10, 2, 0],
        [9, 2, 0, 0],
        [14, 3, 1, 1],
        [20, 4, 7, 0],
        [22, 5, 0, 0],
        [30, 6, 0, 0],
      ],
      [[0], [4, 1, 11, 0]],
    ]),
  };

  it("drops vendor and workspace-package sources and unmaps their code, keeping the app's, runtime and externals", () => {
    const kept = keepOwnSources(map, ID);
    expect(kept.sources).toEqual([
      own('constants.ts').source,
      `webpack://${ID}/webpack/bootstrap`,
      `webpack://${ID}/external amd "react"`,
    ]);
    expect(kept.sourcesContent).toEqual([own('constants.ts').content, 'boot', null]);
    expect(decodeMappings(kept.mappings)).toEqual([
      [[0], [5, 0, 10, 2, 0], [9], [14, 1, 1, 1], [20], [22, 2, 0, 0], [30]],
      [[0], [4, 0, 11, 0]],
    ]);
    expect({ ...kept, sources: [], sourcesContent: [], mappings: '' }).toEqual({
      ...map,
      sources: [],
      sourcesContent: [],
      mappings: '',
    });
    expect(sourceMapProblems(kept, ID, SRC)).toEqual([]);
  });

  it('decodes and re-encodes mappings unchanged', () => {
    const built = JSON.parse(readFileSync(path.join(DIST, 'module.js.map'), 'utf8'));
    expect(encodeMappings(decodeMappings(built.mappings))).toBe(built.mappings);
  });

  it('refuses a map it cannot read', () => {
    expect(() => keepOwnSources({ mappings: 'AAAA' } as never, ID)).toThrow(SourceMapError);
    expect(() => keepOwnSources({ sources: ['a'], mappings: 'A!AA' }, ID)).toThrow(/"!" is not a base64 VLQ digit/);
    expect(() => keepOwnSources({ sources: ['a'], mappings: 'AAAAAC' }, ID)).toThrow(/has 6 fields/);
    expect(() => keepOwnSources({ sources: ['a'], mappings: 'ACAA' }, ID)).toThrow(/source index 1 is out of range/);
  });
});

describe('sourceMapProblems (the validator rule, offline)', () => {
  it('accepts own files, webpack runtime and externals', () => {
    const { source, content } = own('module.tsx');
    const map = {
      sources: [source, `webpack://${ID}/webpack/startup`, `webpack://${ID}/external amd "rxjs"`],
      sourcesContent: [content, '', null],
    };
    expect(sourceMapProblems(map, ID, SRC)).toEqual([]);
  });

  it('reports node_modules sources, files not under src/ and content that differs', () => {
    const { source } = own('module.tsx');
    const map = {
      sources: [`webpack://${ID}/../node_modules/rxjs/index.js`, `webpack://${ID}/../src/values.ts`, source],
      sourcesContent: ['', '', 'edited since the build'],
    };
    expect(sourceMapProblems(map, ID, SRC)).toEqual([
      `webpack://${ID}/../node_modules/rxjs/index.js: under node_modules`,
      `webpack://${ID}/../src/values.ts: not a file under src/`,
      `${source}: its sourcesContent differs from src/module.tsx`,
    ]);
  });
});

// dist/ is built before the tests (turbo); see dist.test.ts.
describe('the maps of the build (dist/*.map)', () => {
  const maps = readdirSync(DIST).filter((f) => f.endsWith('.map'));

  it('ships module.js.map and a map per chunk', () => {
    expect(maps).toContain('module.js.map');
    expect(maps.length).toBe(readdirSync(DIST).filter((f) => f.endsWith('.js')).length);
  });

  it.each(maps)('%s has no node_modules source and matches src/ where the validator compares', (file) => {
    const map = JSON.parse(readFileSync(path.join(DIST, file), 'utf8'));
    expect(sourceMapProblems(map, ID, SRC)).toEqual([]);
  });

  it("maps the app's own code in module.js", () => {
    const map = JSON.parse(readFileSync(path.join(DIST, 'module.js.map'), 'utf8'));
    expect(map.sources).toContain(`webpack://${ID}/./module.tsx`);
  });
});
