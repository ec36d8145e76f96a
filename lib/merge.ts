/**
 * Overlay semantics for environment files: plain objects merge key by key,
 * everything else (lists, scalars, null) replaces what is below it.
 */
export type PlainObject = Record<string, unknown>;

export function isPlainObject(value: unknown): value is PlainObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function deepMerge(base: unknown, overlay: unknown): unknown {
  if (overlay === undefined) return base;
  if (!isPlainObject(base) || !isPlainObject(overlay)) return overlay;
  const merged: PlainObject = { ...base };
  for (const [key, value] of Object.entries(overlay)) {
    merged[key] = deepMerge(base[key], value);
  }
  return merged;
}
