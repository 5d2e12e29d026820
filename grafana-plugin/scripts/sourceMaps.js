/**
 * Source maps that Grafana's plugin validator can match (its js-map-no-match rule).
 *
 * The validator strips `webpack://<plugin id>/` from each source of `module.js.map`, skips
 * `external …`, `webpack/…`, `../node_modules…` and `./node_modules/…`, and compares every
 * other source's `sourcesContent` with that file under the plugin's `src/`. Webpack also
 * names sources it took from the input maps of packages (`javascript/node_modules/…` from
 * `@grafana/i18n`, `../src/values.ts` from this repository's workspace packages): none of
 * them is a file under `src/`, so each one fails the rule.
 *
 * {@link keepOwnSources} keeps in a map only what the validator can match: the plugin's own
 * files (`webpack://<id>/./<path under src/>`), webpack's runtime and the externals. The
 * segments of every other source become unmapped (a one-field segment), so no vendor code
 * is attributed to a neighbouring source; the vendor packages ship their own maps.
 */

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const BASE64_VALUE = new Map([...BASE64].map((c, i) => [c, i]));

/** A source map that cannot be read (bad JSON shape or bad `mappings`). */
class SourceMapError extends Error {
  constructor(message) {
    super(message);
    this.name = 'SourceMapError';
    this.isSourceMapError = true;
  }
}

/** Decodes `mappings` into lines of absolute segments `[column, source, line, column, name?]`. */
function decodeMappings(mappings) {
  const lines = [];
  const state = [0, 0, 0, 0, 0];
  for (const lineText of mappings.split(';')) {
    state[0] = 0;
    const segments = [];
    for (const segmentText of lineText.split(',')) {
      if (segmentText === '') {
        continue;
      }
      const fields = [];
      let value = 0;
      let shift = 0;
      for (const c of segmentText) {
        const digit = BASE64_VALUE.get(c);
        if (digit === undefined) {
          throw new SourceMapError(`mappings: ${JSON.stringify(c)} is not a base64 VLQ digit`);
        }
        value += (digit & 31) << shift;
        if (digit & 32) {
          shift += 5;
        } else {
          fields.push(value & 1 ? -(value >>> 1) : value >>> 1);
          value = 0;
          shift = 0;
        }
      }
      if (shift !== 0 || ![1, 4, 5].includes(fields.length)) {
        throw new SourceMapError(`mappings: segment ${JSON.stringify(segmentText)} has ${fields.length} fields`);
      }
      segments.push(fields.map((delta, i) => (state[i] += delta)));
    }
    lines.push(segments);
  }
  return lines;
}

function encodeVlq(n) {
  let value = n < 0 ? (-n << 1) | 1 : n << 1;
  let out = '';
  do {
    let digit = value & 31;
    value >>>= 5;
    if (value > 0) {
      digit |= 32;
    }
    out += BASE64[digit];
  } while (value > 0);
  return out;
}

/** Encodes lines of absolute segments back into `mappings`. */
function encodeMappings(lines) {
  const state = [0, 0, 0, 0, 0];
  return lines
    .map((segments) => {
      state[0] = 0;
      return segments
        .map((segment) =>
          segment
            .map((field, i) => {
              const delta = field - state[i];
              state[i] = field;
              return encodeVlq(delta);
            })
            .join('')
        )
        .join(',');
    })
    .join(';');
}

/**
 * The source's path under the plugin's `src/` (`module.tsx`) when it is one of the plugin's
 * own files, `null` for webpack's runtime and externals (kept: the validator skips them),
 * `undefined` for anything else (dropped).
 */
function classifySource(source, pluginId) {
  const prefix = `webpack://${pluginId}/`;
  const name = source.startsWith(prefix) ? source.slice(prefix.length) : source;
  if (name.startsWith('external ') || name.startsWith('webpack/')) {
    return null;
  }
  if (source.startsWith(prefix) && name.startsWith('./') && !name.split('/').includes('node_modules')) {
    return name.slice(2);
  }
  return undefined;
}

/**
 * Returns a copy of `map` with only the sources the validator can match (see the module
 * comment); the mappings of the other sources become unmapped segments.
 * @param {{ sources: string[], sourcesContent?: (string|null)[], mappings: string }} map
 * @param {string} pluginId
 * @throws SourceMapError when the map has no sources array or unreadable mappings.
 */
function keepOwnSources(map, pluginId) {
  if (!map || !Array.isArray(map.sources) || typeof map.mappings !== 'string') {
    throw new SourceMapError('not a source map: it needs a sources array and a mappings string');
  }
  const newIndex = [];
  const sources = [];
  const sourcesContent = [];
  map.sources.forEach((source, i) => {
    if (classifySource(source, pluginId) === undefined) {
      newIndex.push(-1);
      return;
    }
    newIndex.push(sources.length);
    sources.push(source);
    sourcesContent.push(map.sourcesContent ? (map.sourcesContent[i] ?? null) : null);
  });
  const lines = decodeMappings(map.mappings).map((segments) =>
    segments.map((segment) => {
      if (segment.length === 1) {
        return segment;
      }
      const index = newIndex[segment[1]];
      if (index === undefined) {
        throw new SourceMapError(`mappings: source index ${segment[1]} is out of range`);
      }
      return index === -1 ? [segment[0]] : [segment[0], index, ...segment.slice(2)];
    })
  );
  const out = { ...map, sources, mappings: encodeMappings(lines) };
  if (map.sourcesContent) {
    out.sourcesContent = sourcesContent;
  }
  return out;
}

/**
 * A webpack plugin that rewrites every emitted `.map` with {@link keepOwnSources}, after
 * webpack's devtool has written them.
 */
class OwnSourceMapsPlugin {
  /** @param {{ pluginId: string }} options */
  constructor({ pluginId }) {
    this.pluginId = pluginId;
  }

  apply(compiler) {
    const { Compilation, sources } = compiler.webpack;
    compiler.hooks.thisCompilation.tap('OwnSourceMapsPlugin', (compilation) => {
      compilation.hooks.processAssets.tap(
        { name: 'OwnSourceMapsPlugin', stage: Compilation.PROCESS_ASSETS_STAGE_DEV_TOOLING + 1 },
        (assets) => {
          for (const name of Object.keys(assets)) {
            if (!name.split('?')[0].endsWith('.map')) {
              continue;
            }
            const map = JSON.parse(assets[name].source().toString());
            compilation.updateAsset(name, new sources.RawSource(JSON.stringify(keepOwnSources(map, this.pluginId))));
          }
        }
      );
    });
  }
}

module.exports = {
  OwnSourceMapsPlugin,
  SourceMapError,
  classifySource,
  decodeMappings,
  encodeMappings,
  keepOwnSources,
};
