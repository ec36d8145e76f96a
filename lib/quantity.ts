/** Kubernetes resource quantities as numbers, so requests and limits can be compared. */

const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Record<string, number> = { '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

/** "250m" -> 250, "1.5" -> 1500; NaN when it is not a CPU quantity. */
export function cpuToMillicores(quantity: string): number {
  if (quantity.endsWith('m')) return Number(quantity.slice(0, -1));
  return Math.round(Number(quantity) * 1000);
}

/** "512Mi" -> 536870912, "1G" -> 1e9; NaN when it is not a byte quantity. */
export function bytesOf(quantity: string): number {
  const match = /^([0-9]+(?:\.[0-9]+)?)([A-Za-z]*)$/.exec(quantity);
  const factor = match ? (BINARY[match[2]] ?? DECIMAL[match[2]]) : undefined;
  return match && factor !== undefined ? Number(match[1]) * factor : Number.NaN;
}

/**
 * True unless both quantities parse and `request` is larger than `limit`: a malformed quantity
 * already has its own error, so the comparison does not add a second one.
 */
export function notAbove(request: string, limit: string, parse: (q: string) => number): boolean {
  return !(parse(request) > parse(limit));
}

/** Redis wants "200mb"-style sizes; convert a Kubernetes quantity to bytes it understands. */
export function redisMemory(quantity: string): string {
  return String(Math.floor(bytesOf(quantity)));
}
