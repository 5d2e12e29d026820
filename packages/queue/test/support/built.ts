import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Makes sure `dist/` holds a build of the current `src/` (a child process runs the built
 * package, as a deployed service would). `npm test` builds first (turbo's test task depends
 * on build); a bare `npx vitest run` after an edit rebuilds here.
 */
export function ensureBuilt(): void {
  const require = createRequire(import.meta.url);
  const core = join(dirname(require.resolve('@stormwatch/core/package.json')), 'dist', 'index.js');
  if (!existsSync(core)) throw new Error(`@stormwatch/core is not built (${core} is missing): run npm run build at the repository root`);
  const built = join(root, 'dist', 'index.js');
  if (existsSync(built) && newestSource(join(root, 'src')) <= statSync(built).mtimeMs) return;
  const tsc = join(dirname(require.resolve('typescript/package.json')), 'bin', 'tsc');
  execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
}

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}
