import { openvpnDevice } from '../model/names.js';
import type { MeshState } from '../state/types.js';
import { readmeFile } from './readme.js';
import { planRoutingFiles } from './routing.js';
import { inSegment } from './segments.js';
import { type Link, peerOf, type Site, type Topology } from './topology.js';
import { MODE_PUBLIC, MODE_SCRIPT, MODE_SECRET, type PlannedFile } from './types.js';

/** One config per peer, the CA and its revocation list, this gateway's certificate and key, one tls-crypt key per link. */
export function planOpenVpnBundle(topology: Topology, state: MeshState, site: Site, crlPem: string): PlannedFile[] {
  const links = topology.linksBySite.get(site.name)!;
  const tunnels = links.map((link) => tunnelView(topology, link, site.name));
  const record = state.public.lans[site.name]!;
  const files: PlannedFile[] = [
    readmeFile(topology, site),
    { path: 'up.sh', mode: MODE_SCRIPT, template: 'openvpn/up.sh', view: scriptView(topology, site, tunnels) },
    { path: 'down.sh', mode: MODE_SCRIPT, template: 'openvpn/down.sh', view: scriptView(topology, site, tunnels) },
    { path: 'status.sh', mode: MODE_SCRIPT, template: 'openvpn/status.sh', view: scriptView(topology, site, tunnels) },
    { path: 'keys/ca.crt', mode: MODE_PUBLIC, content: state.public.ca!.certificate.pem },
    { path: 'keys/crl.pem', mode: MODE_PUBLIC, content: crlPem },
    { path: `keys/${site.name}.crt`, mode: MODE_PUBLIC, content: record.certificate!.pem },
    { path: `keys/${site.name}.key`, mode: MODE_SECRET, content: state.secrets.lans[site.name]!.key! },
  ];
  files.push(...tunnelFiles(state, links, tunnels));
  if (topology.routing === 'bgp')
    files.push(
      ...planRoutingFiles(
        topology,
        site,
        links.map((link, i) => ({ link, iface: tunnels[i]!.device })),
      ),
    );
  return files;
}

/**
 * Each peer's config and tls-crypt key. A function of its own: the loop makes
 * it hot, and V8 then optimizes only this, not all of planOpenVpnBundle.
 */
function tunnelFiles(state: MeshState, links: Link[], tunnels: TunnelView[]): PlannedFile[] {
  const files: PlannedFile[] = [];
  for (let i = 0; i < links.length; i++) {
    const tunnel = tunnels[i]!;
    files.push({ path: `openvpn/${tunnel.peer}.conf`, mode: MODE_PUBLIC, template: 'openvpn/peer.conf', view: tunnel });
    files.push({ path: `keys/tls-crypt/${tunnel.peer}.key`, mode: MODE_SECRET, content: state.secrets.pairs[links[i]!.pair]!.tlsCrypt! });
  }
  return files;
}

export type TunnelView = ReturnType<typeof tunnelView>;

function tunnelView(topology: Topology, link: Link, selfName: string) {
  const { self, peer, selfEnd } = peerOf(link, selfName);
  const client = link.tlsClient === self.name;
  return {
    mesh: topology.mesh,
    self: self.name,
    peer: peer.name,
    pair: link.pair,
    device: openvpnDevice(peer.name),
    port: link.port,
    listen: self.listen,
    remote: peer.endpoint,
    localAddress: link.transitAddresses[selfEnd],
    remoteAddress: link.transitAddresses[1 - selfEnd],
    tlsRole: client ? 'tls-client' : 'tls-server',
    /** `dh none` (ECDHE only) is a server option; a client warns that it ignores it. */
    tlsServer: !client,
    peerRole: client ? 'server' : 'client',
    mtu: topology.tunnelMtu,
    // Under bgp, BIRD puts the routes.
    routes: topology.routing === 'bgp' ? [] : peer.subnets,
  };
}

/** Each tunnel's log is emptied by up.sh (and its repair timer) once past this; the previous part is kept as <peer>.log.1. */
export const LOG_CAP_KIB = 1024;

function scriptView(topology: Topology, site: Site, tunnels: TunnelView[]) {
  return {
    mesh: topology.mesh,
    self: site.name,
    lanAddress: site.lanAddress,
    tunnels,
    firewall: site.firewall,
    devicePrefix: openvpnDevice(''),
    logCapKib: LOG_CAP_KIB,
    logCapBytes: LOG_CAP_KIB * 1024,
    bgp: topology.routing === 'bgp',
    segments: inSegment(topology, site),
  };
}
