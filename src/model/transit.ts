import { type Block, intToIp } from './net.js';
import type { Backend, Routing, TransitLayout } from './schema.js';

/** OpenVPN links, and WireGuard links under bgp, get a /30 each (.1 and .2 used); WireGuard gateways with static routes one address each. */
const PAIR_BLOCK = 4;
/** P2P-VPN gave pair N the addresses .1 and .2 of 172.17.N.0/24; /24 number 0 was never used. */
const P2P_VPN_BLOCK = 256;

export function transitCapacity(
  backend: Backend,
  size: number,
  layout: TransitLayout = 'compact',
  routing: Routing = 'static',
): { count: number; unit: string } {
  if (backend === 'wireguard' && routing === 'static') return { count: Math.max(0, size - 2), unit: 'gateway addresses' };
  if (layout === 'p2p-vpn') return { count: Math.max(0, Math.floor(size / P2P_VPN_BLOCK) - 1), unit: 'links (a /24 each, P2P-VPN layout)' };
  return { count: Math.floor(size / PAIR_BLOCK), unit: 'links (a /30 each)' };
}

/** The /30 of link `pair` (1-based), OpenVPN's or WireGuard's under bgp: end 1 takes .1, end 2 takes .2. */
export function pairTransit(transit: Block, pair: number, layout: TransitLayout = 'compact'): { block: Block; ends: [string, string] } {
  const start = layout === 'p2p-vpn' ? transit.start + P2P_VPN_BLOCK * pair : transit.start + PAIR_BLOCK * (pair - 1);
  return { block: { start, prefix: 30 }, ends: [intToIp(start + 1), intToIp(start + 2)] };
}

/** The WireGuard tunnel address of LAN `lan` (1-based). */
export function gatewayTransit(transit: Block, lan: number): string {
  return intToIp(transit.start + lan);
}

/** Whether each link has a /30 of its own, rather than each gateway one address. */
export function perLinkTransit(backend: Backend, routing: Routing): boolean {
  return backend === 'openvpn' || routing === 'bgp';
}
