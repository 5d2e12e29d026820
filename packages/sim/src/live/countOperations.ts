/**
 * `store` with the operations asked of it counted. A proxy rather than a class that
 * implements `OverloadStore` method by method: every method the interface has, now or
 * later, is passed on (to the store itself, whose private fields need it as `this`), and
 * each call of one counts, but for `close`, `health` and event subscriptions.
 */
export function countOperations<S extends object>(store: S): { readonly store: S; count(): number } {
  let operations = 0;
  const notOperations = new Set<PropertyKey>(['close', 'health', 'onDegraded', 'onRecovered']);
  const proxy = new Proxy(store, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function' || notOperations.has(property)) return typeof value === 'function' ? value.bind(target) : value;
      return (...args: unknown[]) => {
        operations++;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { store: proxy, count: () => operations };
}
