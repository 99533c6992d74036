import { peerOf, type Route, type Site, type Topology } from './topology.js';
import { MODE_PUBLIC, type PlannedFile } from './types.js';

/** Every remote subnet, with the peer it belongs to, in link order. */
export function remoteSubnets(topology: Topology, site: Site): (Route & { peer: string })[] {
  const routes: (Route & { peer: string })[] = [];
  for (const link of topology.linksBySite.get(site.name)!) {
    const { peer } = peerOf(link, site.name);
    for (const s of peer.subnets) routes.push({ peer: peer.name, cidr: s.cidr, network: s.network, netmask: s.netmask });
  }
  return routes;
}

/** routes.txt: the static routes the LAN's router or hosts need, in the notations admins paste. */
export function planRoutesFile(topology: Topology, site: Site): PlannedFile {
  return {
    path: 'routes.txt',
    mode: MODE_PUBLIC,
    template: 'common/routes.txt',
    view: {
      mesh: topology.mesh,
      self: site.name,
      via: site.lanAddress,
      local: site.subnets.map((s) => s.cidr).join(', '),
      routes: remoteSubnets(topology, site),
    },
  };
}
