/**
 * Overlay semantics for environment files: plain objects merge key by key,
 * everything else (lists, scalars, null) replaces what is below it.
 */
export type PlainObject = Record<string, unknown>;

export function isPlainObject(value: unknown): value is PlainObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A new object; neither input is changed. Only own properties of `base` are read, and keys are
 * set as own properties: an overlay key "__proto__" neither reads Object.prototype as what to
 * merge into nor sets the result's prototype.
 */
export function deepMerge(base: unknown, overlay: unknown): unknown {
  if (overlay === undefined) return base;
  if (!isPlainObject(base) || !isPlainObject(overlay)) return overlay;
  const merged: PlainObject = { ...base }; // spread defines own properties, "__proto__" included
  for (const [key, value] of Object.entries(overlay)) setOwnProperty(merged, key, deepMerge(Object.hasOwn(base, key) ? base[key] : undefined, value));
  return merged;
}

/** object[key] = value as an own property: for "__proto__" too, where assignment would set the prototype. */
export function setOwnProperty(object: PlainObject, key: string, value: unknown): void {
  Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
}
