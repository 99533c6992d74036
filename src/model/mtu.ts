import type { Backend } from './schema.js';

/**
 * Bytes each backend adds to a packet over an IPv4 underlay (endpoints are IPv4):
 * WireGuard: IPv4 20 + UDP 8 + header 16 (type, receiver, counter) + tag 16 = 60
 *   (wg-quick's 1420 assumes IPv6, 80; padding to 16 bytes never goes past the MTU).
 * OpenVPN, AEAD data channel in TLS mode, no compression or fragment (never emitted):
 *   2.6 (and 2.7 with a 2.6 peer), P_DATA_V2: IPv4 20 + UDP 8 + opcode/key id 1
 *   + peer id 3 + packet id 4 + tag 16 = 52.
 *   2.7 with a 2.7 peer negotiates epoch data keys, whose packet id is 8 bytes
 *   (16-bit epoch + 48-bit counter, openvpn/src/openvpn/mtu.c calc_packet_id_size_dc;
 *   2.7.x's own mssfix was 4 bytes off until OpenVPN/openvpn#1074): 20 + 8 + 4 + 8 + 16 = 56.
 * Which versions two gateways run is not known when bundles are made, and a
 * link's framing is chosen by the pair, so the tunnel MTU leaves room for
 * the larger: 56 (a 2.6 link carries 4 bytes less than it could).
 */
export const OVERHEAD: Record<Backend, number> = { wireguard: 60, openvpn: 56 };

/** The largest inner packet that crosses the tunnel without fragmenting. */
export function tunnelMtu(backend: Backend, underlayMtu: number): number {
  return underlayMtu - OVERHEAD[backend];
}

/** VXLAN's UDP port (IANA, RFC 7348); Linux's iproute2 defaults to the older 8472 unless told. */
export const VXLAN_PORT = 4789;

/**
 * What VXLAN adds to an Ethernet frame of a segment inside the tunnel (RFC 7348):
 * outer IPv4 20 + UDP 8 + VXLAN header 8 + the inner Ethernet header 14 = 50.
 */
export const VXLAN_OVERHEAD = 50;

/** The largest IP packet a host on a segment can send: its frame, wrapped, fills the tunnel MTU exactly. */
export function segmentMtu(tunnel: number): number {
  return tunnel - VXLAN_OVERHEAD;
}
