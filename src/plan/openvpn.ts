import { X509Certificate } from 'node:crypto';
import { meshCrl, trustedCaPem } from '../crypto/crl.js';
import { openvpnDevice } from '../model/names.js';
import type { MeshState } from '../state/types.js';
import { readmeFile } from './readme.js';
import { planRoutingFiles } from './routing.js';
import { inSegment } from './segments.js';
import { type Link, peerOf, type Site, type Topology } from './topology.js';
import { MODE_PUBLIC, MODE_SCRIPT, MODE_SECRET, type PlannedFile } from './types.js';

/** What every OpenVPN bundle of a mesh shares: the CAs it trusts, their revocation lists, and what each gateway's certificate allows peers to check. */
export interface OpenVpnTrust {
  caPem: string;
  crlPem: string;
  /** Whether peers can demand extendedKeyUsage of this gateway (`remote-cert-tls`): every certificate it may present has one. */
  hasEku(lan: string): boolean;
}

/**
 * keys/ca.crt lists the CA, the standby CA (trusted before it issues
 * anything, so that `rotate --ca` breaks no link) and, during a rotation,
 * the retiring CA. A certificate without extendedKeyUsage (P2P-VPN issued
 * no other kind) is valid for any purpose, but `remote-cert-tls` refuses it,
 * so its peers check it by exact name, CA and CRL only; during a rotation a
 * gateway may still present its certificate from the retiring CA.
 */
export function openVpnTrust(state: MeshState): OpenVpnTrust {
  const { public: pub } = state;
  const eku = new Map<string, boolean>();
  const hasEku = (lan: string): boolean => {
    let known = eku.get(lan);
    if (known === undefined) {
      const certs = [pub.lans[lan]?.certificate, pub.retiringCa?.certificates[lan]].filter((c) => c !== undefined);
      known = certs.every((c) => new X509Certificate(c.pem).keyUsage !== undefined);
      eku.set(lan, known);
    }
    return known;
  };
  return { caPem: trustedCaPem(pub), crlPem: meshCrl(pub, state.secrets)!, hasEku };
}

/** One config per peer, the CAs and their revocation lists, this gateway's certificate and key, one tls-crypt key per link. */
export function planOpenVpnBundle(topology: Topology, state: MeshState, site: Site, trust: OpenVpnTrust): PlannedFile[] {
  const links = topology.linksBySite.get(site.name)!;
  const tunnels = links.map((link) => tunnelView(topology, link, site.name, trust));
  const record = state.public.lans[site.name]!;
  const files: PlannedFile[] = [
    readmeFile(topology, site),
    { path: 'up.sh', mode: MODE_SCRIPT, template: 'openvpn/up.sh', view: scriptView(topology, site, tunnels) },
    { path: 'down.sh', mode: MODE_SCRIPT, template: 'openvpn/down.sh', view: scriptView(topology, site, tunnels) },
    { path: 'status.sh', mode: MODE_SCRIPT, template: 'openvpn/status.sh', view: scriptView(topology, site, tunnels) },
    { path: 'keys/ca.crt', mode: MODE_PUBLIC, content: trust.caPem },
    { path: 'keys/crl.pem', mode: MODE_PUBLIC, content: trust.crlPem },
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

/**
 * Keepalive of a link one end of which only dials out. That end restarts
 * after 8 s without a packet (4 of the other end's pings lost), and the
 * other end, which cannot dial it, says when it stops: otherwise a restart
 * of the listening end leaves the link down until the dialler's
 * ping-restart, 60 s on other links. A restart then costs the dialler 1 s
 * of pause (connect-retry) and a handshake, whose first packet OpenVPN
 * resends after 2 s if it is lost: 8 + 1 + 2 s stays under 15 s.
 */
const DIAL_OUT_KEEPALIVE = { ping: 2, pingRestart: 8 };
/** Both ends can dial: either end that restarts reaches the other at once, and a lost peer is retried after 60 s. */
const KEEPALIVE = { ping: 10, pingRestart: 60 };

function tunnelView(topology: Topology, link: Link, selfName: string, trust: OpenVpnTrust) {
  const { self, peer, selfEnd } = peerOf(link, selfName);
  const client = link.tlsClient === self.name;
  const dialOut = self.endpoint === undefined || peer.endpoint === undefined;
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
    /** Absent when the peer's certificate has no extendedKeyUsage, which remote-cert-tls would refuse. */
    remoteCertTls: trust.hasEku(peer.name) ? (client ? 'server' : 'client') : undefined,
    mtu: topology.tunnelMtu,
    // Under bgp, BIRD puts the routes.
    routes: topology.routing === 'bgp' ? [] : peer.subnets,
    ...(dialOut ? DIAL_OUT_KEEPALIVE : KEEPALIVE),
    /** `explicit-exit-notify`: the peer only dials out, so it must hear when this end goes away. */
    exitNotify: peer.endpoint === undefined,
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
