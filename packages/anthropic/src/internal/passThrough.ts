/**
 * `target` with `own` members in front: reads of other members go to `target`; writes are
 * refused. Methods are bound to `target` when it keeps private fields (the client), or to
 * the proxy (a resource), so that the SDK's own helpers that call `this.create` — `parse()`,
 * for one — reach the `create` in front.
 */
export function passThrough<T extends object>(target: T, own: Record<string, unknown>, bindTo: 'target' | 'proxy'): T {
  const proxy: T = new Proxy(target, {
    get(t, prop) {
      if (typeof prop === 'string' && Object.hasOwn(own, prop)) return own[prop];
      const value: unknown = Reflect.get(t, prop, t);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(bindTo === 'target' ? t : proxy) : value;
    },
    has: (t, prop) => (typeof prop === 'string' && Object.hasOwn(own, prop)) || Reflect.has(t, prop),
    set(_t, prop) {
      throw new TypeError(`resilient: the wrapped client is read-only (tried to set ${String(prop)})`);
    },
  });
  return proxy;
}
