import { wireguardInterface } from '../model/names.js';
import type { MeshState } from '../state/types.js';
import { readmeFile } from './readme.js';
import { peerOf, type Site, type Topology } from './topology.js';
import { MODE_SCRIPT, MODE_SECRET, type PlannedFile } from './types.js';

/** One wg-quick config with a [Peer] per other gateway, and the scripts that run it. */
export function planWireGuardBundle(topology: Topology, state: MeshState, site: Site): PlannedFile[] {
  const iface = wireguardInterface(topology.mesh);
  const routes: string[] = [];
  const peers = topology.linksBySite.get(site.name)!.map((link) => {
    const { peer } = peerOf(link, site.name);
    const seen = asPeer(peer);
    routes.push(...seen.allowed);
    return {
      name: peer.name,
      publicKey: state.public.lans[peer.name]!.wgPublicKey!,
      tunnelAddress: peer.wgAddress,
      presharedKey: state.secrets.pairs[link.pair]!.psk!,
      endpoint: seen.endpoint,
      allowedIps: seen.allowedIps,
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
    // The partials shared with routing: bgp ask; this planner serves static routing only.
    bgp: false,
  };
  return [
    readmeFile(topology, site),
    { path: 'up.sh', mode: MODE_SCRIPT, template: 'wireguard/up.sh', view },
    { path: 'down.sh', mode: MODE_SCRIPT, template: 'wireguard/down.sh', view },
    { path: 'status.sh', mode: MODE_SCRIPT, template: 'wireguard/status.sh', view },
    { path: `wireguard/${iface}.conf`, mode: MODE_SECRET, template: 'wireguard/wg.conf', view },
  ];
}

/** What every other gateway's config says of a site: the same in each, so worked out once per site, not once per bundle. */
interface AsPeer {
  endpoint: string | undefined;
  /** Its tunnel address and subnets: its AllowedIPs, and routes in every other gateway's up.sh. */
  allowed: string[];
  allowedIps: string;
}

const asPeerOf = new WeakMap<Site, AsPeer>();

function asPeer(peer: Site): AsPeer {
  let seen = asPeerOf.get(peer);
  if (!seen) {
    const allowed = [`${peer.wgAddress}/32`, ...peer.subnets.map((s) => s.cidr)];
    const endpoint = peer.endpoint === undefined ? undefined : `${peer.endpoint}:${peer.wgPort}`;
    seen = { endpoint, allowed, allowedIps: allowed.join(', ') };
    asPeerOf.set(peer, seen);
  }
  return seen;
}
