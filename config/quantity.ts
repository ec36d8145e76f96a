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

const DECIMAL_EXPONENTS: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY_POWERS: Record<string, number> = { Ki: 1, Mi: 2, Gi: 3, Ti: 4, Pi: 5, Ei: 6 };
const QUANTITY = /^([+-]?)([0-9]*)(?:\.([0-9]*))?(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]?)$/;

/**
 * A quantity in the form the API server stores and returns it, so that a re-apply is "unchanged"
 * and Argo CD shows no drift: "1000m" -> "1", "1.5" -> "1500m", "1024Mi" -> "1Gi", "0.5Gi" -> "512Mi".
 * Follows k8s.io/apimachinery/pkg/api/resource Quantity.String (CanonicalizeBytes): decimal
 * quantities take the largest SI suffix that keeps the number whole (fractions below 1n round up);
 * binary ones of at least 1024 whole bytes take the largest power of 1024 dividing them, other
 * binary ones are written as decimal. Anything it cannot parse is returned unchanged
 * (the schema reports it). https://github.com/kubernetes/apimachinery/blob/v0.28.0/pkg/api/resource/quantity.go
 */
export function canonicalQuantity(quantity: string): string {
  const match = QUANTITY.exec(quantity);
  if (!match || (match[2] === '' && !match[3])) return quantity;
  const [, sign, whole, fraction = '', suffix] = match;
  const digits = BigInt(`${whole}${fraction}` || '0');
  const scale = 10n ** BigInt(fraction.length);
  let text: string;
  if (suffix in BINARY_POWERS) {
    const value = digits * 1024n ** BigInt(BINARY_POWERS[suffix]);
    const whole = value % scale === 0n && value / scale >= 1024n;
    text = whole ? binaryText(value / scale) : decimalText(ceilDiv(value * 10n ** 9n, scale));
  } else {
    text = decimalText(ceilDiv(digits * 10n ** BigInt(9 + DECIMAL_EXPONENTS[suffix]), scale));
  }
  return text === '0' || sign !== '-' ? text : `-${text}`;
}

function ceilDiv(a: bigint, b: bigint): bigint {
  return (a + b - 1n) / b;
}

/** `nanos` (a whole number of 1e-9 units) with the largest SI suffix that keeps it whole. */
function decimalText(nanos: bigint): string {
  if (nanos === 0n) return '0';
  for (const [suffix, exponent] of Object.entries(DECIMAL_EXPONENTS).sort((a, b) => b[1] - a[1])) {
    const unit = 10n ** BigInt(exponent + 9);
    if (nanos % unit === 0n) return `${nanos / unit}${suffix}`;
  }
  return `${nanos}n`;
}

function binaryText(bytes: bigint): string {
  for (const [suffix, power] of Object.entries(BINARY_POWERS).sort((a, b) => b[1] - a[1])) {
    const unit = 1024n ** BigInt(power);
    if (bytes % unit === 0n) return `${bytes / unit}${suffix}`;
  }
  return String(bytes);
}
