import { existsSync } from 'node:fs';
import { registerHooks } from 'node:module';
import { isAbsolute, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { DrainHandler } from '../drain/DrainOptions.js';

/** `drain --handler <module>` cannot be used: the module cannot be found or loaded, or exports no function. */
export class HandlerModuleError extends Error {
  override readonly name = 'HandlerModuleError';
  readonly isHandlerModuleError = true;
}

/** Is `error` a {@link HandlerModuleError} (from any copy of this package)? */
export function isHandlerModuleError(error: unknown): error is HandlerModuleError {
  return typeof error === 'object' && error !== null && (error as { isHandlerModuleError?: unknown }).isHandlerModuleError === true;
}

/** Marks the one import whose bare specifier is resolved from the current directory (see {@link importFrom}). */
const FROM_CWD = 'stormwatch-queue-handler:';

/**
 * The drain handler exported by `specifier`, loaded as `node` loads a script or package:
 * a path (`./handler.mjs`, `handler.js`, `/abs/handler.cjs`, a `file:` URL; relative to
 * `cwd`), or a package name resolved from `cwd`'s `node_modules` with the `import`
 * conditions. ESM and CommonJS (and, on Node ≥ 22.18, TypeScript with erasable types) alike.
 * The function is the default export, or else the export named `handle` (a CommonJS
 * `module.exports = { handle }` too). Rejects with a {@link HandlerModuleError} saying what is wrong.
 */
export async function loadHandler(specifier: string, cwd: string): Promise<DrainHandler> {
  let module: Record<string, unknown>;
  try {
    module = (await importFrom(specifier, cwd)) as Record<string, unknown>;
  } catch (error) {
    if (isHandlerModuleError(error)) throw error;
    throw new HandlerModuleError(`cannot load the handler module ${JSON.stringify(specifier)}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  const fromDefault = module.default as { handle?: unknown } | undefined;
  const handle = [module.default, module.handle, fromDefault?.handle].find((candidate) => typeof candidate === 'function');
  if (handle === undefined) {
    const names = Object.keys(module);
    throw new HandlerModuleError(
      `the handler module ${JSON.stringify(specifier)} exports no function: give it a default export (or an export named handle) ` +
        `that is an async function (task, { signal, remainingMs }) => … (it exports ${names.length === 0 ? 'nothing' : names.join(', ')})`,
    );
  }
  const fn = handle as (...args: Parameters<DrainHandler>) => unknown;
  // Async, so that a handler that throws at once fails its task like one that rejects.
  return async (task, context) => fn(task, context);
}

function isPathLike(specifier: string, cwd: string): boolean {
  return isAbsolute(specifier) || specifier === '.' || specifier === '..' || specifier.startsWith(`.${sep}`) || specifier.startsWith(`..${sep}`) || specifier.startsWith('./') || specifier.startsWith('../') || existsSync(resolve(cwd, specifier));
}

async function importFrom(specifier: string, cwd: string): Promise<unknown> {
  if (specifier.startsWith('file:')) return import(specifier);
  if (isPathLike(specifier, cwd)) {
    const path = resolve(cwd, specifier);
    if (!existsSync(path)) throw new HandlerModuleError(`no handler module at ${JSON.stringify(path)}`);
    return import(pathToFileURL(path).href);
  }
  // A package name: resolved as an `import` in a module of `cwd` would resolve it (node has
  // no resolve-from-a-directory API for ES modules; require.resolve would miss import-only
  // packages). The hook only touches the one marked import, and is removed after it.
  const parentURL = pathToFileURL(`${resolve(cwd)}${sep}`).href;
  const hooks = registerHooks({
    resolve: (spec, context, nextResolve) => (spec.startsWith(FROM_CWD) ? nextResolve(spec.slice(FROM_CWD.length), { ...context, parentURL }) : nextResolve(spec, context)),
  });
  try {
    return await import(`${FROM_CWD}${specifier}`);
  } finally {
    hooks.deregister();
  }
}
