import type { Backend } from '../validate/schema.js';
import { blockSize, intToIp, type Block } from '../model/net.js';

/** OpenVPN links get a /30 each (.1 and .2 used); WireGuard gateways one address each. */
const PAIR_BLOCK = 4;

export function transitCapacity(backend: Backend, size: number): { count: number; unit: string } {
  return backend === 'openvpn' ? { count: Math.floor(size / PAIR_BLOCK), unit: 'links (a /30 each)' } : { count: Math.max(0, size - 2), unit: 'gateway addresses' };
}

/** The /30 of OpenVPN pair `pair` (1-based): end 1 takes .1, end 2 takes .2. */
export function pairTransit(transit: Block, pair: number): { block: Block; ends: [string, string] } {
  const start = transit.start + PAIR_BLOCK * (pair - 1);
  return { block: { start, prefix: 30 }, ends: [intToIp(start + 1), intToIp(start + 2)] };
}

/** The WireGuard tunnel address of LAN `lan` (1-based). */
export function gatewayTransit(transit: Block, lan: number): string {
  return intToIp(transit.start + lan);
}

export function transitFits(backend: Backend, transit: Block, highest: number): boolean {
  return highest <= transitCapacity(backend, blockSize(transit)).count;
}
