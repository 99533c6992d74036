import type { Backend } from './schema.js';

/**
 * Bytes each backend adds to a packet over an IPv4 underlay (endpoints are IPv4):
 * WireGuard: IPv4 20 + UDP 8 + header 16 + tag 16 = 60 (wg-quick's 1420 assumes IPv6, 80).
 * OpenVPN 2.6 AEAD data channel: IPv4 20 + UDP 8 + opcode/peer-id 4 + packet id 4 + tag 16 = 52.
 * (OpenVPN 2.7's epoch data format, when both ends are 2.7, has an 8-byte packet id: 56.)
 */
export const OVERHEAD: Record<Backend, number> = { wireguard: 60, openvpn: 52 };

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
