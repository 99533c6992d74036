import { hash } from 'node:crypto';
import { type Link, peerOf, type Site, type Topology } from './topology.js';
import { MODE_PUBLIC, MODE_SCRIPT, type PlannedFile } from './types.js';

/** A link of this gateway as BIRD sees it: the link and the tunnel interface that carries it. */
export interface RoutingLink {
  link: Link;
  iface: string;
}

/** Private 4-byte ASNs (RFC 6996) start here; a gateway's is this plus its number, stable as the number is. */
export const ASN_BASE = 4_200_000_000;

/** keepalived's priorities stay distinct per gateway (the first listed highest) and leave room for the share of links up (0 to 100). */
const BASE_PRIORITY = 100;

export function asnOf(site: Site): number {
  return ASN_BASE + site.number;
}

/**
 * The VRRP router id of a LAN: adverts go unicast between its gateways, so it
 * only has to differ from another mesh's on the same two hosts. Derived from
 * the mesh and LAN names, it never changes while they do not.
 */
export function vrrpRouterId(mesh: string, lan: string): number {
  return 1 + (hash('sha256', `${mesh}/${lan}`, 'buffer')[0]! % 255);
}

/** bird/bird.conf and routing.sh for every gateway under bgp; keepalived's files too for a gateway of a LAN with several. */
export function planRoutingFiles(topology: Topology, site: Site, links: RoutingLink[]): PlannedFile[] {
  const ha = site.vip !== undefined;
  const view = {
    mesh: topology.mesh,
    self: site.name,
    lan: site.lan,
    ha,
    vip: site.vip?.address,
    lanAddress: site.lanAddress,
    routerId: site.lanAddress,
    asn: asnOf(site),
    subnets: site.subnets.map((s) => s.cidr),
    links: links.map(({ link, iface }) => birdLink(link, iface, site)),
  };
  const files: PlannedFile[] = [
    { path: 'bird/bird.conf', mode: MODE_PUBLIC, template: 'routing/bird.conf', view },
    { path: 'routing.sh', mode: MODE_SCRIPT, template: 'routing/routing.sh', view },
  ];
  if (!ha) return files;
  const keepalived = {
    ...view,
    instance: `p2pvpn-${topology.mesh}-${site.lan}`,
    vrid: vrrpRouterId(topology.mesh, site.lan),
    priority: BASE_PRIORITY + site.siblings.length - site.rank,
    vipPrefix: site.vip!.prefix,
    peers: site.siblings.map((s) => s.lanAddress),
  };
  return files.concat([
    { path: 'keepalived/keepalived.conf', mode: MODE_PUBLIC, template: 'routing/keepalived.conf', view: keepalived },
    { path: 'keepalived/notify.sh', mode: MODE_SCRIPT, template: 'routing/notify.sh', view },
    { path: 'keepalived/links.sh', mode: MODE_SCRIPT, template: 'routing/links.sh', view },
  ]);
}

function birdLink(link: Link, iface: string, site: Site) {
  const { peer, selfEnd } = peerOf(link, site.name);
  return {
    pair: link.pair,
    peer: peer.name,
    peerLan: peer.lan,
    // BIRD's symbols take letters, digits and "_"; ids never hold "_", so this cannot collide.
    protocol: `gw_${peer.name.replaceAll('-', '_')}`,
    iface,
    local: link.transitAddresses[selfEnd],
    neighbor: link.transitAddresses[1 - selfEnd],
    peerAsn: asnOf(peer),
    imports: peer.subnets.map((s) => s.cidr).join(', '),
  };
}
