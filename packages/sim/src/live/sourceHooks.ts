/**
 * Loaded with `--import` into a live fleet worker started from the TypeScript sources (see
 * `workerEntry.ts`): the sources import each other with the `.js` suffix of the built files,
 * so a relative `.js` import from a `.ts` file that finds nothing resolves to the `.ts`
 * file of the same name.
 */
import { registerHooks } from 'node:module';

registerHooks({
  resolve(specifier, context, nextResolve) {
    try {
      return nextResolve(specifier, context);
    } catch (error) {
      const fromSource = specifier.startsWith('.') && specifier.endsWith('.js') && context.parentURL?.endsWith('.ts') === true;
      if (!fromSource) throw error;
      return nextResolve(`${specifier.slice(0, -'.js'.length)}.ts`, context);
    }
  },
});
