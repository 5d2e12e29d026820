/**
 * How the live fleet starts a worker process: which module `fork` runs, with which Node
 * options.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { liveDirectory } from './liveDirectory.cjs';

export interface WorkerEntry {
  /** The worker module's path. */
  readonly modulePath: string;
  /** Node options of the worker (none of the parent's: an `--inspect` port is not to be shared). */
  readonly execArgv: readonly string[];
}

/**
 * From a built package (`dist/live/`, or the CommonJS build's `dist/cjs/live/`),
 * `fleetWorker.js` beside this module. From the TypeScript sources — the tests, which
 * resolve the workspace packages through their `source` condition and need no build —
 * `fleetWorker.ts`, run by Node's own TypeScript support: `--experimental-transform-types`
 * (core has parameter properties, which type stripping alone refuses), the `source`
 * condition, and `sourceHooks.ts` for the `.js` suffixes of the sources' relative imports.
 */
export function workerEntry(directory: string = liveDirectory): WorkerEntry {
  const source = join(directory, 'fleetWorker.ts');
  if (existsSync(source)) {
    return {
      modulePath: source,
      execArgv: ['--experimental-transform-types', '--disable-warning=ExperimentalWarning', '--conditions=source', '--import', pathToFileURL(join(directory, 'sourceHooks.ts')).href],
    };
  }
  return { modulePath: join(directory, 'fleetWorker.js'), execArgv: [] };
}
