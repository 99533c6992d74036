import { openvpnDevice, wireguardInterface, wireguardLinkInterface } from '../model/names.js';
import { IPV4_PATTERN } from '../model/net.js';
import { type Link, peerOf, type Site, type Topology } from './topology.js';
import { MODE_PUBLIC, MODE_SCRIPT, type PlannedFile } from './types.js';

/** IPv4 20 + TCP 20: the largest TCP payload that fits the tunnel MTU. */
const TCP_IPV4_HEADERS = 40;

/** One peer's claim on a tunnel port: its endpoint address, or why any address must do. */
export interface PortSender {
  port: number;
  peer: string;
  from?: string;
  anywhere?: string;
}

/**
 * A tunnel's UDP port and the peers that send to it, one line each so that a
 * new peer only adds lines. `closed`: every sender is known, so the rest is dropped.
 */
export interface PortRule {
  port: number;
  senders: PortSender[];
  closed: boolean;
}

/** What one peer may send through its tunnel, and what this LAN may send it. */
export interface PeerRule {
  name: string;
  iface: string;
  /** The peer's LAN subnets and its tunnel address. */
  sources: string[];
  /** The same, each with the interface it may only arrive through. */
  addresses: PeerAddress[];
  sourceSet: string;
}

/** An address of a peer (a LAN subnet or its tunnel address): only `iface` may carry it. */
export interface PeerAddress {
  peer: string;
  iface: string;
  address: string;
}

/** iptables has no sets: one rule per (interface, source, destination). */
export interface ForwardRule {
  peer: string;
  iface: string;
  src: string;
  dst: string;
}

/**
 * The peers that carry one LAN: one, or several for a LAN with several
 * gateways. What is bound for the LAN may leave through any of their
 * tunnels, so the drop for everything else follows all of their accepts.
 */
export interface PeerLan {
  name: string;
  peers: PeerRule[];
  /** Every address of the LAN and of its gateways' tunnels, once: dropped past the accepts. */
  dropSet: string;
}

/** Where an address may leave to: its one tunnel, or any of a LAN's (iptables has no sets, so RETURNs then a DROP). */
export interface OutputRule {
  address: string;
  single: boolean;
  iface: string;
  /** `"vpn-a"`, or `{ "vpn-a", "vpn-b" }`: an nftables interface match. */
  ifaceMatch: string;
  via: { iface: string; address: string }[];
}

/** BGP and BFD from a peer: only on its tunnel, only from its tunnel address, to ours. */
export interface RoutingPeer {
  peer: string;
  iface: string;
  from: string;
  to: string;
}

/** A tunnel address of this gateway and the tunnel it belongs to: it answers only through that tunnel. */
export interface OwnAddress {
  address: string;
  iface: string;
}

/** Names of this mesh's own firewall objects: one nftables table, six iptables chains. */
export function firewallNames(mesh: string) {
  const prefix = `P2PVPN-${mesh.toUpperCase()}`;
  return {
    // nft identifiers take no "-"; LAN and mesh names take no "_", so this cannot collide.
    table: `p2pvpn_${mesh.replaceAll('-', '_')}`,
    chains: {
      input: `${prefix}-IN`,
      forward: `${prefix}-FWD`,
      output: `${prefix}-OUT`,
      spoofing: `${prefix}-SPOOF`,
      wan: `${prefix}-WAN`,
      tunnelAddress: `${prefix}-TADDR`,
    },
  };
}

/** Everything the nftables and iptables templates place, computed once for both flavours. */
export function firewallView(topology: Topology, site: Site) {
  const links = topology.linksBySite.get(site.name)!;
  const peers = links.map((link) => peerRule(topology, link, site.name));
  const local = site.subnets.map((s) => s.cidr);
  const mss = topology.tunnelMtu - TCP_IPV4_HEADERS;
  return {
    mesh: topology.mesh,
    self: site.name,
    backend: topology.backend === 'openvpn' ? 'OpenVPN' : 'WireGuard',
    ...firewallNames(topology.mesh),
    lanAddress: site.lanAddress,
    local,
    localSet: nftSet(local),
    localWords: local.join(' '),
    allowWanToLan: site.firewall.allowWanToLan,
    /** The default: the LAN's interfaces are found at load time, and new connections into the LAN from any other interface but a tunnel are dropped. */
    dropWanToLan: !site.firewall.allowWanToLan,
    ownAddresses: ownAddresses(topology, site, links),
    tunnelMtu: topology.tunnelMtu,
    mss,
    mssAbove: mss + 1,
    ifaces: byInterface(peers),
    ports: firewallPorts(topology, site),
    peers,
    peerLans: peerLans(links, peers, site.name),
    addresses: ([] as PeerAddress[]).concat(...peers.map((peer) => peer.addresses)),
    outputRules: outputRules(peers),
    nftOutput: nftOutputRules(links, peers, site.name),
    ...forwardRules(peers, local),
    ...routingRules(topology, links, site.name),
  };
}

/** The peers grouped by the LAN they carry, in order of first appearance. */
function peerLans(links: Link[], peers: PeerRule[], self: string): PeerLan[] {
  const groups = new Map<string, PeerRule[]>();
  links.forEach((link, i) => {
    const lan = peerOf(link, self).peer.lan;
    const group = groups.get(lan);
    if (group) group.push(peers[i]!);
    else groups.set(lan, [peers[i]!]);
  });
  return [...groups].map(([name, group]) => ({
    name,
    peers: group,
    dropSet: group.length === 1 ? group[0]!.sourceSet : nftSet([...new Set(group.flatMap((p) => p.sources))]),
  }));
}

/** Each address once, with the tunnels it may leave through: one for a LAN's only gateway, several for a LAN with more. */
function outputRules(peers: PeerRule[]): OutputRule[] {
  const byAddress = new Map<string, OutputRule>();
  for (const peer of peers) {
    for (const { address, iface } of peer.addresses) {
      const rule = byAddress.get(address);
      if (!rule) byAddress.set(address, { address, single: true, iface, ifaceMatch: `"${iface}"`, via: [{ iface, address }] });
      else {
        rule.single = false;
        rule.via.push({ iface, address });
        rule.ifaceMatch = `{ ${rule.via.map((v) => `"${v.iface}"`).join(', ')} }`;
      }
    }
  }
  return [...byAddress.values()];
}

/** nftables output rules: per peer as before where a LAN has one gateway; the LAN's subnets over any of its tunnels where it has several. */
function nftOutputRules(links: Link[], peers: PeerRule[], self: string): { ifaceMatch: string; set: string }[] {
  const rules: { ifaceMatch: string; set: string }[] = [];
  for (const group of peerLans(links, peers, self)) {
    if (group.peers.length === 1) {
      rules.push({ ifaceMatch: `"${group.peers[0]!.iface}"`, set: group.peers[0]!.sourceSet });
      continue;
    }
    const tunnels = group.peers.map((p) => p.sources[p.sources.length - 1]!);
    const subnets = group.peers[0]!.sources.slice(0, -1);
    rules.push({ ifaceMatch: `{ ${group.peers.map((p) => `"${p.iface}"`).join(', ')} }`, set: nftSet(subnets) });
    group.peers.forEach((p, i) => {
      rules.push({ ifaceMatch: `"${p.iface}"`, set: nftSet([tunnels[i]!]) });
    });
  }
  return rules;
}

/** Under bgp: each peer's BGP and BFD, and this gateway's tunnel addresses, which refuse them from anyone else. */
function routingRules(
  topology: Topology,
  links: Link[],
  self: string,
): { bgp: boolean; routingPeers: RoutingPeer[]; ownTunnels: string; ownTunnelList: string[] } {
  if (topology.routing !== 'bgp') return { bgp: false, routingPeers: [], ownTunnels: '', ownTunnelList: [] };
  const routingPeers = links.map((link): RoutingPeer => {
    const { peer, selfEnd } = peerOf(link, self);
    return { peer: peer.name, iface: tunnelIface(topology, link, peer), from: link.transitAddresses[1 - selfEnd]!, to: link.transitAddresses[selfEnd]! };
  });
  const own = routingPeers.map((r) => r.to);
  return { bgp: true, routingPeers, ownTunnels: nftSet(own), ownTunnelList: own };
}

/** The interface of a link at this end: OpenVPN's device per peer, WireGuard's one interface or, under bgp, one per link. */
function tunnelIface(topology: Topology, link: Link, peer: Site): string {
  if (topology.backend === 'openvpn') return openvpnDevice(peer.name);
  return topology.routing === 'bgp' ? wireguardLinkInterface(topology.mesh, link.pair) : wireguardInterface(topology.mesh);
}

/** This gateway's tunnel addresses: one per link for OpenVPN and for WireGuard under bgp, one for WireGuard. */
function ownAddresses(topology: Topology, site: Site, links: Link[]): OwnAddress[] {
  if (topology.backend === 'wireguard' && topology.routing === 'static') return [{ address: site.wgAddress, iface: wireguardInterface(topology.mesh) }];
  return links.map((link) => {
    const { peer, selfEnd } = peerOf(link, site.name);
    return { address: link.transitAddresses[selfEnd]!, iface: tunnelIface(topology, link, peer) };
  });
}

/** Peers and their addresses by tunnel interface, in order of first appearance: one for WireGuard, one per peer for OpenVPN. */
function byInterface(peers: PeerRule[]): { iface: string; peers: PeerRule[]; addresses: PeerAddress[] }[] {
  const groups = new Map<string, { iface: string; peers: PeerRule[]; addresses: PeerAddress[] }>();
  for (const peer of peers) {
    let group = groups.get(peer.iface);
    if (!group) groups.set(peer.iface, (group = { iface: peer.iface, peers: [], addresses: [] }));
    group.peers.push(peer);
    group.addresses.push(...peer.addresses);
  }
  return [...groups.values()];
}

/** Every (this LAN, peer address) pair, each way: plain loops, as a bundle has thousands. */
function forwardRules(peers: PeerRule[], local: string[]): { outbound: ForwardRule[]; inbound: ForwardRule[] } {
  const outbound: ForwardRule[] = [];
  const inbound: ForwardRule[] = [];
  for (const { name, iface, sources } of peers) {
    // Index loops: for-of over arrays from different places deopted V8's optimized code here.
    for (let l = 0; l < local.length; l++) for (let s = 0; s < sources.length; s++) outbound.push({ peer: name, iface, src: local[l]!, dst: sources[s]! });
    for (let s = 0; s < sources.length; s++) for (let l = 0; l < local.length; l++) inbound.push({ peer: name, iface, src: sources[s]!, dst: local[l]! });
  }
  return { outbound, inbound };
}

function peerRule(topology: Topology, link: Link, self: string): PeerRule {
  const { peer, selfEnd } = peerOf(link, self);
  if (topology.backend === 'openvpn' || topology.routing === 'bgp')
    return newPeerRule(peer, tunnelIface(topology, link, peer), link.transitAddresses[1 - selfEnd]!);
  let rule = wireguardPeerRules.get(peer);
  if (!rule) wireguardPeerRules.set(peer, (rule = newPeerRule(peer, wireguardInterface(topology.mesh), peer.wgAddress)));
  return rule;
}

/** WireGuard: a peer's rule is the same in every bundle (one interface, the peer's own address), so it is made once per site. */
const wireguardPeerRules = new WeakMap<Site, PeerRule>();

function newPeerRule(peer: Site, iface: string, tunnelAddress: string): PeerRule {
  const sources = peer.subnets.map((s) => s.cidr);
  sources.push(`${tunnelAddress}/32`);
  const addresses = sources.map((address): PeerAddress => ({ peer: peer.name, iface, address }));
  return { name: peer.name, iface, sources, addresses, sourceSet: nftSet(sources) };
}

/** The tunnel ports and who may send to them. OpenVPN, and WireGuard under bgp: one port per link, from that peer. WireGuard: one port, from every peer. */
export function firewallPorts(topology: Topology, site: Site): PortRule[] {
  const links = topology.linksBySite.get(site.name)!;
  if (topology.backend === 'openvpn' || topology.routing === 'bgp') return links.map((link) => portRule(link.port, [peerOf(link, site.name).peer]));
  return [
    portRule(
      site.wgPort,
      links.map((link) => peerOf(link, site.name).peer),
    ),
  ];
}

/** Nothing is resolved here: an endpoint that is a DNS name may move and a missing one is unknown, so such a peer opens the port. */
function portRule(port: number, peers: Site[]): PortRule {
  // Both keys always set, one undefined: senders of one shape keep the code that reads them fast.
  const senders = peers.map((p): PortSender => {
    if (p.endpoint === undefined) return { port, peer: p.name, from: undefined, anywhere: `${p.name} has no endpoint` };
    if (!IPV4_PATTERN.test(p.endpoint)) return { port, peer: p.name, from: undefined, anywhere: `${p.name} is ${p.endpoint}, a DNS name` };
    return { port, peer: p.name, from: p.endpoint, anywhere: undefined };
  });
  return { port, senders, closed: senders.every((s) => s.from !== undefined) };
}

function nftSet(items: string[]): string {
  return `{ ${items.join(', ')} }`;
}

/** The rules in both flavours and the script that loads or removes them. */
export function planFirewallFiles(topology: Topology, site: Site): PlannedFile[] {
  const view = firewallView(topology, site);
  return [
    { path: 'firewall/rules.nft', mode: MODE_PUBLIC, template: 'common/firewall.nft', view },
    { path: 'firewall/rules.iptables', mode: MODE_PUBLIC, template: 'common/firewall.iptables', view },
    { path: 'firewall/firewall.sh', mode: MODE_SCRIPT, template: 'common/firewall.sh', view },
  ];
}
