import { VXLAN_PORT } from '../model/mtu.js';
import { vxlanDevice } from '../model/names.js';
import { type Link, linkInterface, peerOf, type Site, type Topology, type TopologySegment } from './topology.js';
import { MODE_SCRIPT, type PlannedFile } from './types.js';

/** Another member of a segment, seen from this gateway: where the segment's frames go, and the only place they may come from. */
export interface SegmentPeer {
  segment: string;
  vni: number;
  peer: string;
  /** The tunnel between the two. */
  iface: string;
  /** The peer's tunnel address on it: the flood entry here, and the only source admitted. */
  from: string;
  /** This gateway's tunnel address on it: where the peer's flood entry points. */
  to: string;
}

/** One segment on one member gateway, as segments.sh, the firewall and the README place it. */
export interface SiteSegment {
  name: string;
  vni: number;
  device: string;
  bridge: string;
  mtu: number;
  mac: string;
  /** The VXLAN device's `local`: the gateway's one tunnel address (WireGuard, static); empty where it has one per link. */
  local: string;
  peers: SegmentPeer[];
  /** The flood entries, space-separated: every other member's tunnel address on the link to it. */
  floods: string;
}

/**
 * The segments this gateway is a member of. Where it has one tunnel address (WireGuard, static
 * routing) that is the device's `local` and the peers' flood entries point at it. Where it has one
 * per link (OpenVPN, and WireGuard under bgp) each peer's entry points at this gateway's address on
 * the link between the two, and `local` is left out, so the kernel sends from the address of the
 * link each copy leaves through: every address is then the one its tunnel already carries, routes
 * to it exist (the link's own), and anti-spoofing and AllowedIPs need nothing more.
 */
export function siteSegments(topology: Topology, site: Site): SiteSegment[] {
  const segments = topology.segments.filter((s) => s.bridges.has(site.name));
  if (segments.length === 0) return [];
  const links = new Map(topology.linksBySite.get(site.name)!.map((link) => [peerOf(link, site.name).peer.name, link]));
  const single = oneTunnelAddress(topology);
  return segments.map((segment): SiteSegment => {
    const others = [...segment.bridges.keys()].filter((member) => member !== site.name);
    // Validation made sure that every member is a LAN with one gateway, linked to every other member.
    const peers = others.map((member) => segmentPeer(topology, site, segment, links.get(member)!));
    return {
      name: segment.name,
      vni: segment.vni,
      device: vxlanDevice(segment.name),
      bridge: segment.bridges.get(site.name)!,
      mtu: segment.mtu,
      mac: vxlanMac(site.number, segment.vni),
      local: single ? site.wgAddress : '',
      peers,
      floods: peers.map((p) => p.from).join(' '),
    };
  });
}

function oneTunnelAddress(topology: Topology): boolean {
  return topology.backend === 'wireguard' && topology.routing === 'static';
}

function segmentPeer(topology: Topology, site: Site, segment: TopologySegment, link: Link): SegmentPeer {
  const { peer, selfEnd } = peerOf(link, site.name);
  const single = oneTunnelAddress(topology);
  return {
    segment: segment.name,
    vni: segment.vni,
    peer: peer.name,
    iface: linkInterface(topology, link, peer),
    from: single ? peer.wgAddress : link.transitAddresses[1 - selfEnd]!,
    to: single ? site.wgAddress : link.transitAddresses[selfEnd]!,
  };
}

/**
 * The VXLAN device's MAC: locally administered (fe:), then the gateway's number (16 bits) and the VNI
 * (24 bits). Fixed, so bundles are deterministic, and high, so that a bridge that takes the lowest MAC
 * of its ports (one whose address was never set) keeps the one its LAN's ARP caches hold.
 */
export function vxlanMac(gatewayNumber: number, vni: number): string {
  const bytes = [0xfe, (gatewayNumber >> 8) & 0xff, gatewayNumber & 0xff, (vni >> 16) & 0xff, (vni >> 8) & 0xff, vni & 0xff];
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');
}

/** segments.sh, for a member of at least one segment; nothing for any other gateway. */
export function planSegmentFiles(topology: Topology, site: Site): PlannedFile[] {
  const segments = siteSegments(topology, site);
  if (segments.length === 0) return [];
  const view = { mesh: topology.mesh, self: site.name, port: VXLAN_PORT, segments };
  return [{ path: 'segments.sh', mode: MODE_SCRIPT, template: 'common/segments.sh', view }];
}

/** Whether this gateway is in a segment: its up.sh and down.sh then run segments.sh. */
export function inSegment(topology: Topology, site: Site): boolean {
  return topology.segments.some((s) => s.bridges.has(site.name));
}
