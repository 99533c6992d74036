import { openvpnDevice, wireguardInterface } from '../model/names.js';
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
    addresses: ([] as PeerAddress[]).concat(...peers.map((peer) => peer.addresses)),
    ...forwardRules(peers, local),
  };
}

/** This gateway's tunnel addresses: one per link for OpenVPN, one for WireGuard. */
function ownAddresses(topology: Topology, site: Site, links: Link[]): OwnAddress[] {
  if (topology.backend === 'wireguard') return [{ address: site.wgAddress, iface: wireguardInterface(topology.mesh) }];
  return links.map((link) => {
    const { peer, selfEnd } = peerOf(link, site.name);
    return { address: link.transitAddresses[selfEnd], iface: openvpnDevice(peer.name) };
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
  if (topology.backend === 'openvpn') return newPeerRule(peer, openvpnDevice(peer.name), link.transitAddresses[1 - selfEnd]!);
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

/** The tunnel ports and who may send to them. OpenVPN: one port per link, from that peer. WireGuard: one port, from every peer. */
export function firewallPorts(topology: Topology, site: Site): PortRule[] {
  const links = topology.linksBySite.get(site.name)!;
  if (topology.backend === 'openvpn') return links.map((link) => portRule(link.port, [peerOf(link, site.name).peer]));
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
