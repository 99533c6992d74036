import { createHash, X509Certificate } from 'node:crypto';
import { crlSerials } from '../crypto/crl.js';

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
}

/**
 * The facts of one bundle that a network engineer cares about, read from
 * its files, so an old tarball and a freshly built bundle are summarised by
 * the same code. Secrets appear only as digests.
 */
export interface BundleSummary {
  backend: 'openvpn' | 'wireguard';
  /** UDP ports this gateway listens on. */
  ports: number[];
  mtu?: number;
  /** Digest of the gateway's own private key. */
  ownKey?: string;
  certificate?: { serial: number; notAfter: string };
  /** Digest of the CA certificate. */
  ca?: string;
  /** Serials the shipped CRL lists. */
  revoked: number[];
  peers: Map<string, PeerFacts>;
  /** Digest of every file, for changes no fact explains. */
  files: Map<string, string>;
}

export function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/** Summarises a bundle from its files (path inside the bundle → text). */
export function summarizeBundle(lan: string, files: Map<string, string>): BundleSummary {
  const fileDigests = new Map([...files].map(([path, text]) => [path, digest(text)]));
  const wgConf = [...files.keys()].find((p) => p.startsWith('wireguard/') && p.endsWith('.conf'));
  const base = wgConf ? summarizeWireGuard(files.get(wgConf)!) : summarizeOpenVpn(lan, files);
  return { ...base, files: fileDigests };
}

function summarizeOpenVpn(lan: string, files: Map<string, string>): Omit<BundleSummary, 'files'> {
  const peers = new Map<string, PeerFacts>();
  const ports: number[] = [];
  let mtu: number | undefined;
  for (const [path, text] of files) {
    const match = /^openvpn\/(.+)\.conf$/.exec(path);
    if (!match) continue;
    const peer = match[1]!;
    const conf = directives(text);
    ports.push(Number(conf.get('lport')?.[0]?.[0]));
    mtu = Number(conf.get('tun-mtu')?.[0]?.[0]);
    const remote = conf.get('remote')?.[0];
    peers.set(peer, {
      ...(remote ? { endpoint: remote[0]! } : {}),
      routes: (conf.get('route') ?? []).map(([network, mask]) => `${network}/${prefixOf(mask!)}`),
      tunnel: (conf.get('ifconfig')?.[0] ?? []).join(' '),
      linkKey: digest(files.get(`keys/tls-crypt/${peer}.key`) ?? ''),
    });
  }
  const cert = files.get(`keys/${lan}.crt`);
  const key = files.get(`keys/${lan}.key`);
  const ca = files.get('keys/ca.crt');
  const crl = files.get('keys/crl.pem');
  return {
    backend: 'openvpn',
    ports: ports.sort((a, b) => a - b),
    ...(mtu ? { mtu } : {}),
    ...(key ? { ownKey: digest(key) } : {}),
    ...(cert ? { certificate: certificateFacts(cert) } : {}),
    ...(ca ? { ca: digest(ca) } : {}),
    revoked: crl ? crlSerials(crl) : [],
    peers,
  };
}

/** A wg-quick config: each [Peer] follows a `# <name>` comment, AllowedIPs start with the peer's tunnel address. */
function summarizeWireGuard(text: string): Omit<BundleSummary, 'files'> {
  const peers = new Map<string, PeerFacts>();
  const iface = new Map<string, string>();
  let section: Map<string, string> = iface;
  let name = '';
  let comment = '';
  const finish = (): void => {
    if (section === iface) return;
    const [tunnel = '', ...routes] = (section.get('AllowedIPs') ?? '').split(/,\s*/);
    const endpoint = section.get('Endpoint');
    peers.set(name, { ...(endpoint ? { endpoint } : {}), routes, tunnel, linkKey: digest(section.get('PresharedKey') ?? ''), peerKey: section.get('PublicKey') ?? '' });
  };
  for (const line of text.split('\n')) {
    comment = /^# (\S+)$/.exec(line)?.[1] ?? comment;
    if (line === '[Peer]') {
      finish();
      section = new Map();
      name = comment;
    }
    const kv = /^(\w+) = (.*)$/.exec(line);
    if (kv) section.set(kv[1]!, kv[2]!);
  }
  finish();
  const privateKey = iface.get('PrivateKey');
  return {
    backend: 'wireguard',
    ports: [Number(iface.get('ListenPort'))],
    ...(iface.get('MTU') ? { mtu: Number(iface.get('MTU')) } : {}),
    ...(privateKey ? { ownKey: digest(privateKey) } : {}),
    revoked: [],
    peers,
  };
}

/** OpenVPN config lines as keyword → argument lists. */
function directives(text: string): Map<string, string[][]> {
  const map = new Map<string, string[][]>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const [keyword, ...args] = line.trim().split(/\s+/);
    map.set(keyword!, [...(map.get(keyword!) ?? []), args]);
  }
  return map;
}

function prefixOf(netmask: string): number {
  return netmask.split('.').reduce((bits, octet) => bits + Number(octet).toString(2).replace(/0/g, '').length, 0);
}

function certificateFacts(pem: string): { serial: number; notAfter: string } {
  const cert = new X509Certificate(pem);
  return { serial: parseInt(cert.serialNumber, 16), notAfter: new Date(cert.validTo).toISOString() };
}
