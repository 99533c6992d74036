import ipaddr from 'ipaddr.js';

/** An IPv4 block held as integers, so that overlap and containment are arithmetic. */
export interface Block {
  /** First address as an unsigned 32-bit integer. */
  start: number;
  prefix: number;
}

/** Dotted quad with no leading zeros, each octet 0-255. */
export const IPV4_PATTERN = /^(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}$/;
export const CIDR_PATTERN = new RegExp(`${IPV4_PATTERN.source.slice(0, -1)}/(3[0-2]|[12]?[0-9])$`);

export const RFC1918: readonly Block[] = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'].map(parseBlock);

/** Addresses are parsed and printed by ipaddr.js; a block's bounds are plain integer arithmetic. */
export function ipToInt(ip: string): number {
  return toInt(ipaddr.IPv4.parse(ip));
}

export function intToIp(n: number): string {
  return new ipaddr.IPv4([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]).toString();
}

function toInt(address: ipaddr.IPv4): number {
  const [a, b, c, d] = address.octets as [number, number, number, number];
  return ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
}

/** Parses `a.b.c.d/len`; host bits are kept so callers can report them. */
export function parseBlock(cidr: string): Block {
  const [address, prefix] = ipaddr.IPv4.parseCIDR(cidr);
  return { start: toInt(address), prefix };
}

export function blockSize(b: Block): number {
  return 2 ** (32 - b.prefix);
}

export function blockEnd(b: Block): number {
  return b.start + blockSize(b) - 1;
}

export function networkOf(b: Block): number {
  return b.start - (b.start % blockSize(b));
}

export function hasHostBits(b: Block): boolean {
  return networkOf(b) !== b.start;
}

export function formatBlock(b: Block): string {
  return `${intToIp(b.start)}/${b.prefix}`;
}

export function overlaps(a: Block, b: Block): boolean {
  return a.start <= blockEnd(b) && b.start <= blockEnd(a);
}

export function contains(outer: Block, inner: Block): boolean {
  return outer.start <= inner.start && blockEnd(inner) <= blockEnd(outer);
}

export function containsIp(b: Block, ip: number): boolean {
  return b.start <= ip && ip <= blockEnd(b);
}

export function isPrivate(b: Block): boolean {
  return RFC1918.some((r) => contains(r, b));
}

/** Dotted netmask for OpenVPN's `route` and `ifconfig`, e.g. 255.255.240.0. */
export function netmask(prefix: number): string {
  return ipaddr.IPv4.subnetMaskFromPrefixLength(prefix).toString();
}

/** The prefix length of a dotted netmask, e.g. 20 for 255.255.240.0. */
export function prefixOfNetmask(mask: string): number {
  return ipaddr.IPv4.parse(mask).prefixLengthFromSubnetMask() ?? Number.NaN;
}

/** Blocks that can never be a peer's address on the path between gateways (RFC 6890). */
const NOT_UNICAST: readonly { block: Block; what: string }[] = [
  { block: parseBlock('0.0.0.0/8'), what: '"this network" (0.0.0.0/8)' },
  { block: parseBlock('127.0.0.0/8'), what: 'a loopback address (127.0.0.0/8)' },
  { block: parseBlock('169.254.0.0/16'), what: 'a link-local address (169.254.0.0/16)' },
  { block: parseBlock('224.0.0.0/4'), what: 'a multicast address (224.0.0.0/4)' },
  { block: parseBlock('240.0.0.0/4'), what: 'a reserved or broadcast address (240.0.0.0/4)' },
];

/** What kind of special address `ip` is, or undefined for an ordinary unicast address. */
export function specialUse(ip: string): string | undefined {
  const n = ipToInt(ip);
  return NOT_UNICAST.find((s) => containsIp(s.block, n))?.what;
}
