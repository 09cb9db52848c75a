/**
 * A component seen through a fault: the given methods replace the component's own, and
 * everything else (methods, getters, fields) is the component's, called on the
 * component itself. The service keeps calling what it always called and cannot tell.
 */
export function decorate<T extends object>(inner: T, overrides: Partial<T>): T {
  return new Proxy(inner, {
    get(target, prop) {
      if (Object.hasOwn(overrides, prop)) return (overrides as Record<PropertyKey, unknown>)[prop];
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}
