/**
 * How the live fleet starts a worker process: which module `fork` runs, with which Node
 * options.
 */
import { fileURLToPath } from 'node:url';

export interface WorkerEntry {
  /** The worker module's path. */
  readonly modulePath: string;
  /** Node options of the worker (none of the parent's: an `--inspect` port is not to be shared). */
  readonly execArgv: readonly string[];
}

/**
 * From the built package (`dist/live/`), `fleetWorker.js` beside this module. From the
 * TypeScript sources — the tests, which resolve the workspace packages through their
 * `source` condition and need no build — `fleetWorker.ts`, run by Node's own TypeScript
 * support: `--experimental-transform-types` (core has parameter properties, which type
 * stripping alone refuses), the `source` condition, and `sourceHooks.ts` for the `.js`
 * suffixes of the sources' relative imports.
 */
export function workerEntry(moduleUrl: string = import.meta.url): WorkerEntry {
  if (moduleUrl.endsWith('.ts')) {
    return {
      modulePath: fileURLToPath(new URL('./fleetWorker.ts', moduleUrl)),
      execArgv: ['--experimental-transform-types', '--disable-warning=ExperimentalWarning', '--conditions=source', '--import', new URL('./sourceHooks.ts', moduleUrl).href],
    };
  }
  return { modulePath: fileURLToPath(new URL('./fleetWorker.js', moduleUrl)), execArgv: [] };
}
