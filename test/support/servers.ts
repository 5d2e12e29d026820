import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { repoPath } from './paths.js';

/**
 * The programs the pipeline tests run; scripts/servers.sh provides them (prometheus, promtool
 * and redis-server come from Debian). Jaeger is the trace store of the end-to-end test; Tempo
 * is not among them (AGPL: the tests never build it). redis-server holds the shared overload
 * store of the end-to-end test's Redis client. prometheus-alertmanager (Debian's name of the
 * alertmanager binary) and amtool deliver and check the alerts.
 */
export type ServerProgram =
  | 'otelcol-stormwatch'
  | 'jaeger'
  | 'helm'
  | 'prometheus'
  | 'promtool'
  | 'redis-server'
  | 'prometheus-alertmanager'
  | 'amtool';

/** Where scripts/servers.sh caches what it builds (STORMWATCH_SERVERS_DIR overrides it). */
export function serversDir(): string {
  return process.env.STORMWATCH_SERVERS_DIR ?? repoPath('.cache', 'servers');
}

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The path of a server program: the build cache of scripts/servers.sh first, then PATH
 * (prometheus and promtool come from Debian). Undefined when it is nowhere.
 */
export function findProgram(name: ServerProgram): string | undefined {
  const cached = path.join(serversDir(), 'bin', name);
  if (executable(cached)) return cached;
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && executable(path.join(dir, name))) return path.join(dir, name);
  }
  return undefined;
}

/**
 * Whether tests that need these programs must run. They are skipped only on a developer
 * machine that lacks a program; with STORMWATCH_E2E=1 (as .ci/run sets) a missing program
 * is a failure, reported by `requireProgram`.
 */
export function serversAvailable(...names: ServerProgram[]): boolean {
  return process.env.STORMWATCH_E2E === '1' || names.every((n) => findProgram(n) !== undefined);
}

/** The path of a program, or an Error that says how to get it. */
export function requireProgram(name: ServerProgram): string {
  const found = findProgram(name);
  if (found === undefined) {
    throw new Error(
      `${name} not found in ${path.join(serversDir(), 'bin')} or on PATH: run scripts/servers.sh ` +
        '(and .ci/system-packages for prometheus/promtool/redis-server/prometheus-alertmanager/amtool)',
    );
  }
  return found;
}
