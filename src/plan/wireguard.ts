import type { MeshState } from '../state/types.js';
import { readmeFile } from './readme.js';
import { peerOf, type Site, type Topology } from './topology.js';
import { MODE_SCRIPT, MODE_SECRET, type PlannedFile } from './types.js';

/** The WireGuard interface of a mesh: 3 + at most 11 characters, within Linux's 15. */
export function wireguardInterface(mesh: string): string {
  return `wg-${mesh}`;
}

/** One wg-quick config with a [Peer] per other gateway, and the scripts that run it. */
export function planWireGuardBundle(topology: Topology, state: MeshState, site: Site): PlannedFile[] {
  const iface = wireguardInterface(topology.mesh);
  // Each peer's tunnel address and subnets: its AllowedIPs, and the routes up.sh keeps.
  const routes: string[] = [];
  const peers = topology.linksBySite.get(site.name)!.map((link) => {
    const { peer } = peerOf(link, site.name);
    const allowed = [`${peer.wgAddress}/32`];
    for (const s of peer.subnets) allowed.push(s.cidr);
    routes.push(...allowed);
    return {
      name: peer.name,
      publicKey: state.public.lans[peer.name]!.wgPublicKey!,
      presharedKey: state.secrets.pairs[link.pair]!.psk!,
      endpoint: peer.endpoint === undefined ? undefined : `${peer.endpoint}:${peer.wgPort}`,
      allowedIps: allowed.join(', '),
      keepalive: site.behindNat || peer.behindNat,
    };
  });
  const view = {
    mesh: topology.mesh,
    self: site.name,
    lanAddress: site.lanAddress,
    iface,
    address: `${site.wgAddress}/32`,
    port: site.wgPort,
    mtu: topology.tunnelMtu,
    privateKey: state.secrets.lans[site.name]!.wgPrivateKey!,
    peers,
    routes,
    firewall: site.firewall,
  };
  return [
    readmeFile(topology, site),
    { path: 'up.sh', mode: MODE_SCRIPT, template: 'wireguard/up.sh', view },
    { path: 'down.sh', mode: MODE_SCRIPT, template: 'wireguard/down.sh', view },
    { path: `wireguard/${iface}.conf`, mode: MODE_SECRET, template: 'wireguard/wg.conf', view },
  ];
}
