/** The WireGuard interface of a mesh: 3 + at most 11 characters, within Linux's 15. */
export function wireguardInterface(mesh: string): string {
  return `wg-${mesh}`;
}

/** The OpenVPN device of the tunnel to `peer`: 4 + at most 11 characters, within Linux's 15. */
export function openvpnDevice(peer: string): string {
  return `vpn-${peer}`;
}
