import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureBuilt as ensureQueueBuilt } from '../../../queue/test/support/built.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Makes sure `dist/` of this package and of @stormwatch/queue hold builds of their `src/` (a
 * child process drains with the built packages, as a deployed worker would). `npm test`
 * builds first; a bare `npx vitest run` after an edit rebuilds here.
 */
export function ensureBuilt(): void {
  ensureQueueBuilt();
  const built = join(root, 'dist', 'index.js');
  if (existsSync(built) && newestSource(join(root, 'src')) <= statSync(built).mtimeMs) return;
  const require = createRequire(import.meta.url);
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
