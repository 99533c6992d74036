import type { Link, Site, Topology } from '../plan/topology.js';

/**
 * What `show --json` prints and what `graph` draws. The shape is a public
 * interface: fields may be added, never renamed or removed, without a new
 * `version`.
 */
export const VIEW_VERSION = 1;

/** One gateway: what a LAN with one gateway shows at its own level, and what each of several shows here. */
export interface GatewayView {
  /** Names its bundle: the LAN's name, or <lan>-<gateway>. */
  id: string;
  /** Its name within the LAN; null for a LAN's only gateway. */
  name: string | null;
  number: number;
  /** What peers dial; null for a gateway that only dials out. */
  endpoint: string | null;
  listen: string | null;
  lanAddress: string;
  /** WireGuard with static routes: the UDP port this gateway listens on. Otherwise null: each link has its own (see links). */
  port: number | null;
  /** WireGuard with static routes: the gateway's one address. Otherwise its end of every link, by pair number. */
  tunnelAddresses: string[];
  /** Not in the saved state yet: the next `generate` adds it. */
  pending: boolean;
}

/**
 * A LAN. With one gateway, that gateway's fields are the LAN's own (as in
 * version 1 before gateways existed) and `gateways` holds it once; with
 * several, those fields are null (tunnelAddresses empty) and `gateways` lists each.
 */
export interface LanView {
  name: string;
  number: number | null;
  description: string | null;
  subnets: string[];
  endpoint: string | null;
  listen: string | null;
  lanAddress: string | null;
  port: number | null;
  tunnelAddresses: string[];
  pending: boolean;
  /** The address its hosts route through: the VIP of a LAN with several gateways, null for one. */
  vip: string | null;
  gateways: GatewayView[];
}

export interface LinkView {
  pair: number;
  /** The gateways it joins, by id (the LAN's name for a LAN with one). */
  ends: [string, string];
  /** The LANs of the two ends. */
  lans: [string, string];
  /** UDP port at end 1 and end 2. */
  ports: [number, number];
  /** OpenVPN, and WireGuard under bgp: the link's /30. WireGuard with static routes: null, tunnel addresses belong to gateways. */
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
  routing: Topology['routing'];
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
  /** Gateway ids and pair numbers that the saved state already holds. */
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
    routing: topology.routing,
    source: stateExists ? 'state' : 'preview',
    tunnelMtu: topology.tunnelMtu,
    lans: lanViews(topology, savedLans),
    links: topology.links.map((link) => linkView(topology, link, !savedPairs.has(link.pair))),
    removedLans: [...removedLans].sort(),
  };
}

/** One entry per LAN, in the order of its first gateway's number. */
function lanViews(topology: Topology, saved: ReadonlySet<string>): LanView[] {
  const byLan = new Map<string, Site[]>();
  for (const site of topology.sites) {
    const list = byLan.get(site.lan);
    if (list) list.push(site);
    else byLan.set(site.lan, [site]);
  }
  return [...byLan.values()].map((sites) => {
    const gateways = sites.sort((a, b) => a.rank - b.rank).map((site) => gatewayView(topology, site, !saved.has(site.name)));
    const first = sites[0]!;
    const [one] = gateways;
    const several = first.vip !== undefined;
    // Fields in version 1's order: a LAN with one gateway prints as it always did, plus vip and gateways.
    return {
      name: first.lan,
      number: several ? null : one!.number,
      description: first.description ?? null,
      subnets: first.subnets.map((r) => r.cidr),
      endpoint: several ? null : one!.endpoint,
      listen: several ? null : one!.listen,
      lanAddress: several ? null : one!.lanAddress,
      port: several ? null : one!.port,
      tunnelAddresses: several ? [] : one!.tunnelAddresses,
      pending: gateways.some((g) => g.pending),
      vip: first.vip?.address ?? null,
      gateways,
    };
  });
}

function gatewayView(topology: Topology, site: Site, pending: boolean): GatewayView {
  const links = topology.linksBySite.get(site.name) ?? [];
  const oneAddress = topology.backend === 'wireguard' && topology.routing === 'static';
  const tunnelAddresses = oneAddress ? [site.wgAddress] : links.map((l) => l.transitAddresses[l.ends[0].name === site.name ? 0 : 1]);
  return {
    id: site.name,
    name: site.gateway ?? null,
    number: site.number,
    endpoint: site.endpoint ?? null,
    listen: site.listen ?? null,
    lanAddress: site.lanAddress,
    port: oneAddress ? site.wgPort : null,
    tunnelAddresses,
    pending,
  };
}

function linkView(topology: Topology, link: Link, pending: boolean): LinkView {
  const [a, b] = link.ends;
  const oneAddress = topology.backend === 'wireguard' && topology.routing === 'static';
  return {
    pair: link.pair,
    ends: [a.name, b.name],
    lans: [a.lan, b.lan],
    ports: oneAddress ? [a.wgPort, b.wgPort] : [link.port, link.port],
    transitBlock: oneAddress ? null : link.transitBlock,
    tunnelAddresses: oneAddress ? [a.wgAddress, b.wgAddress] : link.transitAddresses,
    backend: topology.backend,
    pending,
  };
}
