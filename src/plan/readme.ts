import { firewallNames, firewallPorts } from './firewall.js';
import { installDir, REPAIR_INTERVAL_SECONDS, repairUnitNames, unitName } from './install.js';
import { nextHopOf, remoteSubnets } from './routes.js';
import { asnOf } from './routing.js';
import { peerOf, type Site, type Topology } from './topology.js';
import { MODE_PUBLIC, type PlannedFile } from './types.js';

/** The README for the person at one gateway: its peers, the ports to open, the routes LAN hosts need. */
export function readmeFile(topology: Topology, site: Site): PlannedFile {
  const perLink = topology.backend === 'openvpn' || topology.routing === 'bgp';
  const peers = topology.linksBySite.get(site.name)!.map((link) => {
    const { peer } = peerOf(link, site.name);
    const port = perLink ? link.port : site.wgPort;
    const from = peer.endpoint ?? 'any address: it has no endpoint and dials in';
    return { name: peer.name, endpoint: peer.endpoint ?? '(none, it dials in)', from, port, subnets: peer.subnets.map((s) => s.cidr).join(', ') };
  });
  const ports = perLink ? peers.map((p) => ({ port: p.port, from: `${p.name} (${p.from})` })) : [{ port: site.wgPort, from: 'every peer' }];
  return {
    path: 'README',
    mode: MODE_PUBLIC,
    template: 'common/README',
    view: {
      mesh: topology.mesh,
      self: site.name,
      lan: site.lan,
      description: site.description,
      backend: topology.backend,
      lanAddress: site.lanAddress,
      via: nextHopOf(site),
      subnets: site.subnets.map((s) => s.cidr).join(', '),
      peers,
      ports,
      remoteSubnets: remoteSubnets(topology, site).map((r) => r.cidr),
      openvpn: topology.backend === 'openvpn',
      gateway: gatewayView(topology, site),
      routing: topology.routing === 'bgp' ? routingView(site) : undefined,
    },
  };
}

/** The README's routing section under bgp: BIRD, BFD and, for a LAN with several gateways, VRRP. */
function routingView(site: Site) {
  return {
    asn: asnOf(site),
    lan: site.lan,
    vip: site.vip?.address,
    siblings: site.siblings.map((s) => `${s.name} (${s.lanAddress})`).join(', '),
  };
}

/** The README's gateway checklist: what install.sh, the firewall and aws.sh do on this gateway. */
function gatewayView(topology: Topology, site: Site) {
  const names = firewallNames(topology.mesh);
  return {
    dir: installDir(topology.mesh),
    unit: unitName(topology.mesh),
    repairTimer: repairUnitNames(topology.mesh).timer,
    repairInterval: REPAIR_INTERVAL_SECONDS,
    flavour: site.firewall.flavour,
    apply: site.firewall.apply,
    allowWanToLan: site.firewall.allowWanToLan,
    nftables: site.firewall.flavour === 'nftables',
    table: names.table,
    chains: Object.values(names.chains).join(', '),
    ports: firewallPorts(topology, site),
    aws: site.aws !== undefined,
    underlayMtu: topology.underlayMtu,
    tunnelMtu: topology.tunnelMtu,
    mss: topology.tunnelMtu - 40,
  };
}
