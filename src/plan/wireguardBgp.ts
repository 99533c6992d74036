import { wireguardLinkInterface } from '../model/names.js';
import type { MeshState } from '../state/types.js';
import { readmeFile } from './readme.js';
import { planRoutingFiles, type RoutingLink } from './routing.js';
import { type Link, peerOf, type Site, type Topology } from './topology.js';
import { MODE_SCRIPT, MODE_SECRET, type PlannedFile } from './types.js';

/**
 * One wg-quick config per link, each with one peer and `Table = off`: BIRD
 * puts the routes, so two links may carry one LAN (a LAN with two gateways)
 * and AllowedIPs, per interface, never overlap.
 */
export function planWireGuardBgpBundle(topology: Topology, state: MeshState, site: Site): PlannedFile[] {
  const links = topology.linksBySite.get(site.name)!;
  const tunnels = links.map((link) => linkView(topology, state, link, site));
  const view = {
    mesh: topology.mesh,
    self: site.name,
    lanAddress: site.lanAddress,
    mtu: topology.tunnelMtu,
    links: tunnels,
    firewall: site.firewall,
    bgp: true,
  };
  const routing: RoutingLink[] = tunnels.map((t, i) => ({ link: links[i]!, iface: t.iface }));
  return [
    readmeFile(topology, site),
    { path: 'up.sh', mode: MODE_SCRIPT, template: 'wireguard/up-bgp.sh', view },
    { path: 'down.sh', mode: MODE_SCRIPT, template: 'wireguard/down-bgp.sh', view },
    { path: 'status.sh', mode: MODE_SCRIPT, template: 'wireguard/status-bgp.sh', view },
    ...tunnels.map((t): PlannedFile => ({ path: `wireguard/${t.iface}.conf`, mode: MODE_SECRET, template: 'wireguard/link.conf', view: t })),
    ...planRoutingFiles(topology, site, routing),
  ];
}

function linkView(topology: Topology, state: MeshState, link: Link, site: Site) {
  const { peer, selfEnd } = peerOf(link, site.name);
  const peerAddress = link.transitAddresses[1 - selfEnd]!;
  return {
    mesh: topology.mesh,
    self: site.name,
    peer: peer.name,
    pair: link.pair,
    iface: wireguardLinkInterface(topology.mesh, link.pair),
    address: link.transitAddresses[selfEnd],
    peerAddress,
    port: link.port,
    mtu: topology.tunnelMtu,
    privateKey: state.secrets.lans[site.name]!.wgPrivateKey!,
    publicKey: state.public.lans[peer.name]!.wgPublicKey!,
    presharedKey: state.secrets.pairs[link.pair]!.psk!,
    endpoint: peer.endpoint === undefined ? undefined : `${peer.endpoint}:${link.port}`,
    // What may come through: the peer's tunnel address and its LAN; BIRD decides what goes.
    allowedIps: [`${peerAddress}/32`, ...peer.subnets.map((s) => s.cidr)].join(', '),
    keepalive: site.behindNat || peer.behindNat,
  };
}
