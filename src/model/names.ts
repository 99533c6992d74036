/** The WireGuard interface of a mesh: 3 + at most 11 characters, within Linux's 15. */
export function wireguardInterface(mesh: string): string {
  return `wg-${mesh}`;
}

/** The OpenVPN device of the tunnel to `peer`: 4 + at most 11 characters, within Linux's 15. */
export function openvpnDevice(peer: string): string {
  return `vpn-${peer}`;
}

/** Linux refuses longer interface names (IFNAMSIZ is 16 with the final NUL). */
export const IFNAMSIZ = 15;

/**
 * Under routing: bgp, WireGuard has one interface per link, named after the mesh and the link
 * number (stable while the link exists, unique on a host that is in several meshes):
 * 3 + mesh + 1 + digits, which validation holds within Linux's 15 characters.
 */
export function wireguardLinkInterface(mesh: string, pair: number): string {
  return `wg-${mesh}-${pair}`;
}

/** Why link `pair`'s interface name would not fit, or undefined when it does. */
export function wireguardNameProblem(mesh: string, pair: number): string | undefined {
  const iface = wireguardLinkInterface(mesh, pair);
  if (iface.length <= IFNAMSIZ) return undefined;
  const room = IFNAMSIZ - iface.length + mesh.length;
  return (
    `under routing: bgp each WireGuard link has its own interface, wg-<mesh>-<link>, and link ${pair} would be ${iface},` +
    ` ${iface.length} characters, over Linux's ${IFNAMSIZ}; use a mesh name of at most ${Math.max(room, 1)} characters`
  );
}
