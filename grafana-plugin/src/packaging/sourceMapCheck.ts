import { existsSync, readFileSync } from 'fs';
import path from 'path';

/** The part of a source map the plugin validator reads. */
export interface SourceMapLike {
  sources: string[];
  sourcesContent?: Array<string | null>;
}

/**
 * What Grafana's plugin validator would reject in a source map under its js-map-no-match
 * rule, plus any source under node_modules (which the build must not leave in a map, see
 * scripts/sourceMaps.js): one message per bad source, none when the map is clean.
 * Sources the validator skips (webpack's runtime, externals) are accepted.
 */
export function sourceMapProblems(map: SourceMapLike, pluginId: string, srcDir: string): string[] {
  const prefix = `webpack://${pluginId}/`;
  const problems: string[] = [];
  if (!map.sourcesContent || map.sourcesContent.length !== map.sources.length) {
    problems.push('sourcesContent does not hold one entry per source');
  }
  map.sources.forEach((source, i) => {
    if (source.split('/').includes('node_modules')) {
      problems.push(`${source}: under node_modules`);
      return;
    }
    const name = source.startsWith(prefix) ? source.slice(prefix.length) : source.replace(/^webpack:\/*/, '');
    if (name.startsWith('external ') || name.startsWith('webpack/')) {
      return;
    }
    const file = path.join(srcDir, name);
    if (!source.startsWith(prefix) || !name.startsWith('./') || !existsSync(file)) {
      problems.push(`${source}: not a file under src/`);
    } else if (map.sourcesContent?.[i] !== readFileSync(file, 'utf8')) {
      problems.push(`${source}: its sourcesContent differs from src/${name.slice(2)}`);
    }
  });
  return problems;
}
