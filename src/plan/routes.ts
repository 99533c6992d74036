import { peerOf, type Route, type Site, type Topology } from './topology.js';
import { MODE_PUBLIC, type PlannedFile } from './types.js';

/** Every remote subnet once, with the LAN it belongs to, in link order (a LAN with several gateways has several links here). */
export function remoteSubnets(topology: Topology, site: Site): (Route & { peer: string })[] {
  const routes: (Route & { peer: string })[] = [];
  const seen = new Set<string>();
  for (const link of topology.linksBySite.get(site.name)!) {
    const { peer } = peerOf(link, site.name);
    if (seen.has(peer.lan)) continue;
    seen.add(peer.lan);
    for (const s of peer.subnets) routes.push({ peer: peer.lan, cidr: s.cidr, network: s.network, netmask: s.netmask });
  }
  return routes;
}

/** Where hosts of the site's LAN send the other LANs' traffic: the VIP of a LAN with several gateways, else the gateway. */
export function nextHopOf(site: Site): string {
  return site.vip?.address ?? site.lanAddress;
}

/** routes.txt: the static routes the LAN's router or hosts need, in the notations admins paste. */
export function planRoutesFile(topology: Topology, site: Site): PlannedFile {
  return {
    path: 'routes.txt',
    mode: MODE_PUBLIC,
    template: 'common/routes.txt',
    view: {
      mesh: topology.mesh,
      lan: site.lan,
      via: nextHopOf(site),
      viaWhat: site.vip === undefined ? "this gateway's LAN address" : 'the VIP that one of its gateways holds',
      local: site.subnets.map((s) => s.cidr).join(', '),
      routes: remoteSubnets(topology, site),
    },
  };
}
