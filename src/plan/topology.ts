import { tunnelMtu } from '../model/mtu.js';
import { formatBlock, netmask, parseBlock } from '../model/net.js';
import type { AwsConfig, Backend, Flavour, LansConfig } from '../model/schema.js';
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
  name: string;
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
}

/** A tunnel between two gateways, with both ends' numbers. */
export interface Link {
  pair: number;
  /** End 1 has the lower LAN number. */
  ends: [Site, Site];
  /** OpenVPN's UDP port at both ends. */
  port: number;
  transitBlock: string;
  /** OpenVPN tunnel addresses of end 1 and end 2. */
  transitAddresses: [string, string];
  /** The end that starts the TLS handshake: one that can be dialled cannot be the only one waiting. */
  tlsClient: string;
}

export interface Topology {
  mesh: string;
  backend: Backend;
  tunnelMtu: number;
  underlayMtu: number;
  sites: Site[];
  links: Link[];
  linksBySite: Map<string, Link[]>;
}

/** Resolves the validated input and the allocation into everything the bundles say. */
export function buildTopology(config: LansConfig, state: PublicState): Topology {
  const transit = parseBlock(config.mesh.transit);
  const sites = config.lans
    .map((lan): Site => {
      const number = state.lans[lan.name]!.number;
      const gw = lan.gateway;
      // Every key always set, absent ones undefined: sites of one shape keep the code that reads them fast.
      return {
        name: lan.name,
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
      };
    })
    .sort((a, b) => a.number - b.number);
  const byName = new Map(sites.map((s) => [s.name, s]));
  const links = state.pairs.map((pair): Link => {
    const ends: [Site, Site] = [byName.get(pair.lans[0])!, byName.get(pair.lans[1])!];
    const t = pairTransit(transit, pair.number, config.mesh.openvpn.transitLayout);
    return {
      pair: pair.number,
      ends,
      port: config.mesh.openvpn.portBase + pair.number,
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
    tunnelMtu: tunnelMtu(config.mesh.backend, config.mesh.underlayMtu),
    underlayMtu: config.mesh.underlayMtu,
    sites,
    links,
    linksBySite,
  };
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
