import { IPV4_PATTERN } from '../model/net.js';
import { openvpnDevice } from './openvpn.js';
import { peerOf, type Link, type Site, type Topology } from './topology.js';
import { MODE_PUBLIC, MODE_SCRIPT, type PlannedFile } from './types.js';
import { wireguardInterface } from './wireguard.js';

/** IPv4 20 + TCP 20: the largest TCP payload that fits the tunnel MTU. */
const TCP_IPV4_HEADERS = 40;

/** One peer's claim on a tunnel port: its endpoint address, or why any address must do. */
export interface PortSender {
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
  sourceSet: string;
}

/** iptables has no sets: one rule per (interface, source, destination). */
export interface ForwardRule {
  peer: string;
  iface: string;
  src: string;
  dst: string;
}

/** Names of this mesh's own firewall objects: one nftables table, four iptables chains. */
export function firewallNames(mesh: string) {
  const prefix = `P2PVPN-${mesh.toUpperCase()}`;
  return {
    // nft identifiers take no "-"; LAN and mesh names take no "_", so this cannot collide.
    table: `p2pvpn_${mesh.replaceAll('-', '_')}`,
    chains: { input: `${prefix}-IN`, forward: `${prefix}-FWD`, output: `${prefix}-OUT`, spoofing: `${prefix}-SPOOF` },
  };
}

/** Everything the nftables and iptables templates place, computed once for both flavours. */
export function firewallView(topology: Topology, site: Site) {
  const links = topology.linksBySite.get(site.name)!;
  const peers = links.map((link) => peerRule(topology, link, site.name));
  const local = site.subnets.map((s) => s.cidr);
  const ifaces = [...new Set(peers.map((p) => p.iface))].map((iface) => ({ iface, peers: peers.filter((p) => p.iface === iface) }));
  const mss = topology.tunnelMtu - TCP_IPV4_HEADERS;
  return {
    mesh: topology.mesh,
    self: site.name,
    backend: topology.backend === 'openvpn' ? 'OpenVPN' : 'WireGuard',
    ...firewallNames(topology.mesh),
    local,
    localSet: nftSet(local),
    tunnelMtu: topology.tunnelMtu,
    mss,
    mssAbove: mss + 1,
    ifaces,
    ports: portRules(topology, site, links),
    peers,
    outbound: peers.flatMap((p) => local.flatMap((src) => p.sources.map((dst): ForwardRule => ({ peer: p.name, iface: p.iface, src, dst })))),
    inbound: peers.flatMap((p) => p.sources.flatMap((src) => local.map((dst): ForwardRule => ({ peer: p.name, iface: p.iface, src, dst })))),
  };
}

function peerRule(topology: Topology, link: Link, self: string): PeerRule {
  const { peer, selfEnd } = peerOf(link, self);
  const openvpn = topology.backend === 'openvpn';
  const address = openvpn ? link.transitAddresses[1 - selfEnd]! : peer.wgAddress;
  const sources = [...peer.subnets.map((s) => s.cidr), `${address}/32`];
  return { name: peer.name, iface: openvpn ? openvpnDevice(peer.name) : wireguardInterface(topology.mesh), sources, sourceSet: nftSet(sources) };
}

/** OpenVPN: one port per link, from that peer. WireGuard: one port, from every peer. */
function portRules(topology: Topology, site: Site, links: Link[]): PortRule[] {
  const peers = links.map((link) => ({ link, peer: peerOf(link, site.name).peer }));
  if (topology.backend === 'openvpn') return peers.map(({ link, peer }) => portRule(link.port, [peer]));
  return [portRule(site.wgPort, peers.map((p) => p.peer))];
}

/** Nothing is resolved here: an endpoint that is a DNS name may move and a missing one is unknown, so such a peer opens the port. */
function portRule(port: number, peers: Site[]): PortRule {
  const senders = peers.map((p): PortSender => {
    if (p.endpoint === undefined) return { peer: p.name, anywhere: `${p.name} has no endpoint` };
    if (!IPV4_PATTERN.test(p.endpoint)) return { peer: p.name, anywhere: `${p.name} is ${p.endpoint}, a DNS name` };
    return { peer: p.name, from: p.endpoint };
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
