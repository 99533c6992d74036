import { hash } from 'node:crypto';
import { trustedCaPem } from '../crypto/crl.js';
import type { MeshState } from '../state/types.js';
import { peerOf, type Site, type Topology } from './topology.js';

/** What one peer of a gateway looks like from that gateway's bundle. */
export interface PeerFacts {
  /** What this gateway dials; absent when the peer dials in. */
  endpoint?: string;
  /** LAN subnets routed to the peer. */
  routes: string[];
  /** Tunnel addresses (OpenVPN: local and remote; WireGuard: the peer's). */
  tunnel: string;
  /** Digest of the link's secret (tls-crypt key or preshared key); compared, never shown. */
  linkKey: string;
  /** WireGuard: the peer's public key. */
  peerKey?: string;
  /** OpenVPN: the UDP port of this link. */
  port?: number;
}

/**
 * The facts of one bundle that a network engineer cares about, which is
 * what `plan` and `generate` explain a change with. The plan knows them for
 * a new bundle; change/summary.ts reads the same facts from an old tarball.
 * Secrets appear only as digests.
 */
export interface BundleFacts {
  backend: 'openvpn' | 'wireguard';
  /** UDP ports this gateway listens on, ascending. */
  ports: number[];
  mtu?: number;
  /** Digest of the gateway's own private key. */
  ownKey?: string;
  certificate?: { serial: number };
  /** Digest of keys/ca.crt, every CA the bundle trusts. */
  ca?: string;
  /** Serials the shipped CRL lists, ascending. */
  revoked: number[];
  peers: Map<string, PeerFacts>;
}

/** Whether the facts of a bundle are read from this file: tunnel configs, keys, certificates, the CRL. */
export function carriesFacts(path: string): boolean {
  return isWireGuardConf(path) || isOpenVpnConf(path) || path.startsWith('keys/');
}

export function isWireGuardConf(path: string): boolean {
  return path.startsWith('wireguard/') && path.endsWith('.conf');
}

export function isOpenVpnConf(path: string): boolean {
  return path.startsWith('openvpn/') && path.endsWith('.conf');
}

export function digest(text: string): string {
  return hash('sha256', text, 'hex').slice(0, 16);
}

/**
 * The facts of a gateway's bundle as planned: the same that reading its
 * rendered files gives (test/change.test.ts holds them equal). Peers in
 * `omit` are left out, with their ports: a change is explained from the
 * peers whose files differ, and most of a bundle's peers do not.
 */
export function bundleFacts(topology: Topology, state: MeshState, site: Site, omit: ReadonlySet<string> = new Set()): BundleFacts {
  return topology.backend === 'openvpn' ? openVpnFacts(topology, state, site, omit) : wireGuardFacts(topology, state, site, omit);
}

function openVpnFacts(topology: Topology, state: MeshState, site: Site, omit: ReadonlySet<string>): BundleFacts {
  const peers = new Map<string, PeerFacts>();
  for (const link of topology.linksBySite.get(site.name)!) {
    const { peer, selfEnd } = peerOf(link, site.name);
    if (omit.has(peer.name)) continue;
    const tunnel = `${link.transitAddresses[selfEnd]} ${link.transitAddresses[1 - selfEnd]}`;
    // Under bgp the configs carry no route: BIRD learns them.
    const routes = topology.routing === 'bgp' ? [] : peer.subnets.map((s) => s.cidr);
    const linkKey = digest(state.secrets.pairs[link.pair]!.tlsCrypt!);
    peers.set(peer.name, { ...(peer.endpoint === undefined ? {} : { endpoint: peer.endpoint }), routes, tunnel, linkKey, port: link.port });
  }
  const ca = trustedCaPem(state.public);
  return {
    backend: 'openvpn',
    ports: [...peers.values()].map((p) => p.port!).sort((a, b) => a - b),
    mtu: topology.tunnelMtu,
    ownKey: digest(state.secrets.lans[site.name]!.key!),
    certificate: { serial: state.public.lans[site.name]!.certificate!.serial },
    ca: digest(ca),
    revoked: state.public.revoked.map((r) => r.serial).sort((a, b) => a - b),
    peers,
  };
}

function wireGuardFacts(topology: Topology, state: MeshState, site: Site, omit: ReadonlySet<string>): BundleFacts {
  const peers = new Map<string, PeerFacts>();
  // Under bgp each link has its own port (at both ends) and /30; otherwise the gateways have one each.
  const perLink = topology.routing === 'bgp';
  const ports: number[] = perLink ? [] : [site.wgPort];
  for (const link of topology.linksBySite.get(site.name)!) {
    const { peer, selfEnd } = peerOf(link, site.name);
    if (omit.has(peer.name)) continue;
    const port = perLink ? link.port : peer.wgPort;
    const endpoint = peer.endpoint === undefined ? {} : { endpoint: `${peer.endpoint}:${port}` };
    const routes = peer.subnets.map((s) => s.cidr);
    const peerKey = state.public.lans[peer.name]!.wgPublicKey!;
    const tunnel = `${perLink ? link.transitAddresses[1 - selfEnd] : peer.wgAddress}/32`;
    peers.set(peer.name, { ...endpoint, routes, tunnel, linkKey: digest(state.secrets.pairs[link.pair]!.psk!), peerKey });
    if (perLink) ports.push(link.port);
  }
  return {
    backend: 'wireguard',
    ports: ports.sort((a, b) => a - b),
    mtu: topology.tunnelMtu,
    ownKey: digest(state.secrets.lans[site.name]!.wgPrivateKey!),
    revoked: [],
    peers,
  };
}
