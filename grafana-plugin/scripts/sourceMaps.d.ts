/** Types of scripts/sourceMaps.js (CommonJS, loaded by webpack.config.ts and the tests). */
import type { Compiler } from 'webpack';

export interface RawSourceMap {
  version?: number;
  file?: string;
  sources: string[];
  sourcesContent?: Array<string | null>;
  names?: string[];
  mappings: string;
  [key: string]: unknown;
}

/** A generated-code segment: `[column]` (unmapped) or `[column, source, line, column, name?]`, absolute. */
export type Segment = number[];

export declare class SourceMapError extends Error {
  readonly isSourceMapError: true;
}
export declare function decodeMappings(mappings: string): Segment[][];
export declare function encodeMappings(lines: Segment[][]): string;
export declare function classifySource(source: string, pluginId: string): string | null | undefined;
export declare function keepOwnSources(map: RawSourceMap, pluginId: string): RawSourceMap;
export declare class OwnSourceMapsPlugin {
  constructor(options: { pluginId: string });
  apply(compiler: Compiler): void;
}
