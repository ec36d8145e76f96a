/**
 * IPv4/IPv6 addresses and CIDR blocks as numbers, for NetworkPolicy ipBlocks: validating a block
 * and its `except` entries (the API server rejects an except outside its cidr) and telling
 * whether an address falls inside one.
 */
import { isIPv4, isIPv6 } from 'node:net';

export interface Cidr {
  readonly version: 4 | 6;
  /** The network address, host bits cleared. */
  readonly network: bigint;
  readonly prefix: number;
}

const BITS = { 4: 32, 6: 128 } as const;

/** "10.0.0.0/8" -> Cidr; undefined when the text is not a CIDR block. */
export function parseCidr(text: string): Cidr | undefined {
  const slash = text.indexOf('/');
  if (slash < 0 || !/^[0-9]{1,3}$/.test(text.slice(slash + 1))) return undefined;
  const address = parseIp(text.slice(0, slash));
  const prefix = Number(text.slice(slash + 1));
  if (!address || prefix > BITS[address.version]) return undefined;
  return { version: address.version, network: address.value & mask(address.version, prefix), prefix };
}

function parseIp(text: string): { version: 4 | 6; value: bigint } | undefined {
  if (isIPv4(text)) return { version: 4, value: text.split('.').reduce((acc, octet) => (acc << 8n) | BigInt(Number(octet)), 0n) };
  if (!isIPv6(text) || text.includes('.')) return undefined; // IPv4-mapped notation: not worth supporting here
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const groups = (part: string | undefined) => (part ? part.split(':') : []);
  const missing = 8 - groups(head).length - groups(tail).length;
  const all = tail === undefined ? groups(head) : [...groups(head), ...Array<string>(missing).fill('0'), ...groups(tail)];
  return { version: 6, value: all.reduce((acc, group) => (acc << 16n) | BigInt(parseInt(group, 16)), 0n) };
}

function mask(version: 4 | 6, prefix: number): bigint {
  const bits = BigInt(BITS[version]);
  return ((1n << bits) - 1n) ^ ((1n << (bits - BigInt(prefix))) - 1n);
}

/** True when every address of `inner` is in `outer`. */
export function cidrContains(outer: Cidr, inner: Cidr): boolean {
  return outer.version === inner.version && inner.prefix >= outer.prefix && (inner.network & mask(outer.version, outer.prefix)) === outer.network;
}

export function ipInCidr(ip: string, cidr: Cidr): boolean {
  const address = parseIp(ip);
  return address !== undefined && cidrContains(cidr, { version: address.version, network: address.value, prefix: BITS[address.version] });
}
