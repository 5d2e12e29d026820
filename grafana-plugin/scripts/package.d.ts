/** Types of scripts/package.js (CommonJS, run by `npm run package`). */
export interface PackageResult {
  zipPath: string;
  sha1Path: string;
  sha1: string;
  id: string;
  version: string;
  entries: string[];
}
export declare function packagePlugin(options: { distDir: string; outDir: string }): PackageResult;
export declare class PackagingError extends Error {
  readonly isPackagingError: true;
}
export declare function isPackagingError(e: unknown): e is PackagingError;
export declare const REQUIRED_FILES: readonly string[];
