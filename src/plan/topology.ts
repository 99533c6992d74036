import { allGateways, type LanGateway } from '../model/gateways.js';
import { tunnelMtu } from '../model/mtu.js';
import { containsIp, formatBlock, ipToInt, netmask, parseBlock } from '../model/net.js';
import type { AwsConfig, Backend, Flavour, LansConfig, Routing } from '../model/schema.js';
import { gatewayTransit, pairTransit } from '../model/transit.js';
import type { PublicState } from '../state/types.js';

/** One subnet in both notations the data planes use. */
export interface Route {
  cidr: string;
  network: string;
  netmask: string;
}

/** A gateway with every number resolved. */
export interface Site {
  /** The gateway's id: its LAN's name, or <lan>-<gateway> for one of several. It names the bundle. */
  name: string;
  /** The LAN it serves. */
  lan: string;
  /** Its name within the LAN when the LAN has several gateways. */
  gateway: string | undefined;
  number: number;
  description?: string;
  subnets: Route[];
  endpoint?: string;
  listen?: string;
  lanAddress: string;
  wgPort: number;
  /** WireGuard tunnel address. */
  wgAddress: string;
  /** Sends keepalives: it sits behind NAT or cannot be dialled. */
  behindNat: boolean;
  /** mesh.firewall with this gateway's override applied. */
  firewall: { flavour: Flavour; apply: boolean; allowWanToLan: boolean };
  /** Present when the LAN is an AWS VPC. */
  aws?: AwsConfig;
  /** A LAN with several gateways: the VIP its hosts route through, with its subnet's prefix length. */
  vip: { address: string; prefix: number } | undefined;
  /** Its place among the LAN's gateways (0 for a LAN's only one); the first is preferred for the VIP. */
  rank: number;
  /** The LAN's other gateways. */
  siblings: Site[];
}

/** A tunnel between two gateways, with both ends' numbers. */
export interface Link {
  pair: number;
  /** End 1 has the lower LAN number. */
  ends: [Site, Site];
  /** The link's UDP port at both ends: OpenVPN's, and WireGuard's under bgp. */
  port: number;
  transitBlock: string;
  /** Tunnel addresses of end 1 and end 2 on the link's /30 (OpenVPN, and WireGuard under bgp). */
  transitAddresses: [string, string];
  /** The end that starts the TLS handshake: one that can be dialled cannot be the only one waiting. */
  tlsClient: string;
}

export interface Topology {
  mesh: string;
  backend: Backend;
  routing: Routing;
  tunnelMtu: number;
  underlayMtu: number;
  sites: Site[];
  links: Link[];
  linksBySite: Map<string, Link[]>;
}

/** Resolves the validated input and the allocation into everything the bundles say. */
export function buildTopology(config: LansConfig, state: PublicState): Topology {
  const transit = parseBlock(config.mesh.transit);
  const sites = allGateways(config)
    .map((g): Site => toSite(config, g, state.lans[g.id]!.number, transit))
    .sort((a, b) => a.number - b.number);
  linkSiblings(sites);
  const byName = new Map(sites.map((s) => [s.name, s]));
  const wireguardBgp = config.mesh.backend === 'wireguard' && config.mesh.routing === 'bgp';
  const layout = wireguardBgp ? 'compact' : config.mesh.openvpn.transitLayout;
  const links = state.pairs.map((pair): Link => {
    const ends: [Site, Site] = [byName.get(pair.lans[0])!, byName.get(pair.lans[1])!];
    const t = pairTransit(transit, pair.number, layout);
    return {
      pair: pair.number,
      ends,
      port: (wireguardBgp ? config.mesh.wireguard.port : config.mesh.openvpn.portBase) + pair.number,
      transitBlock: formatBlock(t.block),
      transitAddresses: t.ends,
      tlsClient: ends[1].endpoint === undefined ? ends[1].name : ends[0].name,
    };
  });
  const linksBySite = new Map<string, Link[]>(sites.map((s) => [s.name, []]));
  for (const link of links) for (const end of link.ends) linksBySite.get(end.name)!.push(link);
  return {
    mesh: config.mesh.name,
    backend: config.mesh.backend,
    routing: config.mesh.routing,
    tunnelMtu: tunnelMtu(config.mesh.backend, config.mesh.underlayMtu),
    underlayMtu: config.mesh.underlayMtu,
    sites,
    links,
    linksBySite,
  };
}

function toSite(config: LansConfig, g: LanGateway, number: number, transit: ReturnType<typeof parseBlock>): Site {
  const { lan, gateway: gw } = g;
  // Every key always set, absent ones undefined: sites of one shape keep the code that reads them fast.
  return {
    name: g.id,
    lan: lan.name,
    gateway: g.name,
    number,
    description: lan.description || undefined,
    subnets: lan.subnets.map(toRoute),
    endpoint: gw.endpoint || undefined,
    listen: gw.listen || undefined,
    lanAddress: gw.lanAddress,
    wgPort: gw.port ?? config.mesh.wireguard.port,
    wgAddress: gatewayTransit(transit, number),
    behindNat: gw.endpoint === undefined || (gw.listen !== undefined && gw.listen !== gw.endpoint),
    firewall: { ...config.mesh.firewall, ...gw.firewall },
    aws: gw.aws || undefined,
    vip: lan.vip === undefined ? undefined : { address: lan.vip, prefix: prefixOf(lan.subnets, lan.vip) },
    rank: lan.gateways === undefined ? 0 : lan.gateways.findIndex((x) => x.name === g.name),
    siblings: [],
  };
}

/** The prefix length of the subnet that holds `address` (validation made sure one does). */
function prefixOf(subnets: string[], address: string): number {
  const ip = ipToInt(address);
  return parseBlock(subnets.find((s) => containsIp(parseBlock(s), ip))!).prefix;
}

/** Gives each gateway of a LAN with several the list of the others, in file order. */
function linkSiblings(sites: Site[]): void {
  const byLan = new Map<string, Site[]>();
  for (const site of sites) {
    if (site.gateway === undefined) continue;
    const list = byLan.get(site.lan) ?? [];
    byLan.set(site.lan, list);
    list.push(site);
  }
  for (const list of byLan.values()) {
    list.sort((a, b) => a.rank - b.rank);
    for (const site of list) site.siblings = list.filter((s) => s !== site);
  }
}

function toRoute(cidr: string): Route {
  const block = parseBlock(cidr);
  return { cidr: formatBlock(block), network: cidr.split('/')[0]!, netmask: netmask(block.prefix) };
}

/** The other end of a link, seen from `self`. */
export function peerOf(link: Link, self: string): { self: Site; peer: Site; selfEnd: 0 | 1 } {
  const selfEnd = link.ends[0].name === self ? 0 : 1;
  return { self: link.ends[selfEnd], peer: link.ends[1 - selfEnd]!, selfEnd };
}
