/**
 * Names for what a test adds or expects to be missing, chosen so that they cannot collide with
 * what an adopter's config already has (a fixed "qa" would, once someone adds qa.yaml).
 */

/** `base` when it is not taken, else `base-2`, `base-3`, ...: deterministic and always free. */
export function unusedName(base: string, taken: Iterable<string>): string {
  const used = new Set(taken);
  if (!used.has(base)) return base;
  for (let n = 2; ; n++) if (!used.has(`${base}-${n}`)) return `${base}-${n}`;
}
