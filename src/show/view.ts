import type { Link, Site, Topology } from '../plan/topology.js';

/**
 * What `show --json` prints and what `graph` draws. The shape is a public
 * interface: fields may be added, never renamed or removed, without a new
 * `version`.
 */
export const VIEW_VERSION = 1;

export interface LanView {
  name: string;
  number: number;
  description: string | null;
  subnets: string[];
  /** What peers dial; null for a gateway that only dials out. */
  endpoint: string | null;
  listen: string | null;
  lanAddress: string;
  /** WireGuard: the UDP port this gateway listens on. OpenVPN: null, each link has its own (see links). */
  port: number | null;
  /** WireGuard: the gateway's one address. OpenVPN: its end of every link, by pair number. */
  tunnelAddresses: string[];
  /** Not in the saved state yet: the next `generate` adds it. */
  pending: boolean;
}

export interface LinkView {
  pair: number;
  ends: [string, string];
  /** UDP port at end 1 and end 2. */
  ports: [number, number];
  /** OpenVPN: the link's /30. WireGuard: null, tunnel addresses belong to gateways. */
  transitBlock: string | null;
  tunnelAddresses: [string, string];
  backend: Topology['backend'];
  pending: boolean;
}

export interface MeshView {
  version: typeof VIEW_VERSION;
  kind: 'p2pvpn-mesh-view';
  mesh: string;
  backend: Topology['backend'];
  /** "state": numbers from the saved state; "preview": nothing generated yet, numbers the next generate would give. */
  source: 'state' | 'preview';
  tunnelMtu: number;
  lans: LanView[];
  links: LinkView[];
  /** LANs in the saved state that lans.yaml no longer lists: the next generate retires them. */
  removedLans: string[];
}

export interface ViewInput {
  topology: Topology;
  stateExists: boolean;
  /** LAN names and pair numbers that the saved state already holds. */
  savedLans: ReadonlySet<string>;
  savedPairs: ReadonlySet<number>;
  removedLans: readonly string[];
}

export function buildView({ topology, stateExists, savedLans, savedPairs, removedLans }: ViewInput): MeshView {
  return {
    version: VIEW_VERSION,
    kind: 'p2pvpn-mesh-view',
    mesh: topology.mesh,
    backend: topology.backend,
    source: stateExists ? 'state' : 'preview',
    tunnelMtu: topology.tunnelMtu,
    lans: topology.sites.map((site) => lanView(topology, site, !savedLans.has(site.name))),
    links: topology.links.map((link) => linkView(topology.backend, link, !savedPairs.has(link.pair))),
    removedLans: [...removedLans].sort(),
  };
}

function lanView(topology: Topology, site: Site, pending: boolean): LanView {
  const links = topology.linksBySite.get(site.name) ?? [];
  const tunnelAddresses = topology.backend === 'wireguard' ? [site.wgAddress] : links.map((l) => l.transitAddresses[l.ends[0].name === site.name ? 0 : 1]);
  return {
    name: site.name,
    number: site.number,
    description: site.description ?? null,
    subnets: site.subnets.map((r) => r.cidr),
    endpoint: site.endpoint ?? null,
    listen: site.listen ?? null,
    lanAddress: site.lanAddress,
    port: topology.backend === 'wireguard' ? site.wgPort : null,
    tunnelAddresses,
    pending,
  };
}

function linkView(backend: Topology['backend'], link: Link, pending: boolean): LinkView {
  const [a, b] = link.ends;
  const wg = backend === 'wireguard';
  return {
    pair: link.pair,
    ends: [a.name, b.name],
    ports: wg ? [a.wgPort, b.wgPort] : [link.port, link.port],
    transitBlock: wg ? null : link.transitBlock,
    tunnelAddresses: wg ? [a.wgAddress, b.wgAddress] : link.transitAddresses,
    backend,
    pending,
  };
}
