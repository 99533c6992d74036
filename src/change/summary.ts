import { hash, X509Certificate } from 'node:crypto';
import { crlSerials } from '../crypto/crl.js';
import { prefixOfNetmask } from '../model/net.js';

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
}

/** A bundle's files by path inside the bundle: text as rendered, or bytes as read from a tarball. */
export type BundleTexts = Map<string, string | Buffer>;

export function digest(text: string): string {
  return hash('sha256', text, 'hex').slice(0, 16);
}

/** Whether a summary reads facts from this file of a bundle: tunnel configs, keys, certificates, the CRL. */
export function carriesFacts(path: string): boolean {
  return isWireGuardConf(path) || isOpenVpnConf(path) || path.startsWith('keys/');
}

/** Summarises a bundle from its files; only the files that carry facts are read. */
export function summarizeBundle(lan: string, files: BundleTexts): BundleSummary {
  const wgConf = [...files.keys()].find(isWireGuardConf);
  return wgConf ? summarizeWireGuard(textOf(files, wgConf)!) : summarizeOpenVpn(lan, files);
}

/**
 * The two versions of a bundle with what they share taken out: files equal
 * in both, and WireGuard [Peer] sections equal in both. What is equal
 * explains nothing, and summarising only the rest keeps a plan quick: one
 * peer added to a 200-peer bundle leaves one peer to read, not 400.
 */
export function withoutCommonParts(old: BundleTexts, now: BundleTexts): [BundleTexts, BundleTexts] {
  const [oldLeft, nowLeft] = [new Map(old), new Map(now)];
  // OpenVPN's MTU is read from its peer configs: one config both versions have stays, so both still tell it.
  const mtuSource = [...old.keys()].find((p) => isOpenVpnConf(p) && now.has(p));
  for (const path of old.keys()) {
    if (path === mtuSource || !sameContent(old.get(path), now.get(path))) continue;
    // A peer's OpenVPN config stays while its key differs: the config names the peer whose link key changed.
    const peer = /^openvpn\/(.+)\.conf$/.exec(path)?.[1];
    if (peer !== undefined && !sameContent(old.get(`keys/tls-crypt/${peer}.key`), now.get(`keys/tls-crypt/${peer}.key`))) continue;
    // A WireGuard config always stays, for its [Interface]; only its shared [Peer] sections go.
    if (isWireGuardConf(path)) continue;
    oldLeft.delete(path);
    nowLeft.delete(path);
  }
  for (const path of [...old.keys()].filter((p) => isWireGuardConf(p) && now.has(p))) {
    const [a, b] = withoutCommonSections(textOf(old, path)!, textOf(now, path)!);
    oldLeft.set(path, a);
    nowLeft.set(path, b);
  }
  return [oldLeft, nowLeft];
}

/** Whether a file has the same bytes in both versions; a file missing from either is not the same. */
export function sameContent(a: string | Buffer | undefined, b: string | Buffer | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  if (typeof a === 'string' && typeof b === 'string') return a === b;
  if (typeof a !== 'string' && typeof b !== 'string') return a.equals(b);
  const [bytes, text] = typeof a === 'string' ? [b as Buffer, a] : [a, b as string];
  // Equal lengths in characters and bytes: ASCII, the common case, needs no count of UTF-8 bytes.
  if (text.length !== bytes.length && Buffer.byteLength(text, 'utf8') !== bytes.length) return false;
  const length = encode(text);
  return length === bytes.length && bytes.compare(scratch, 0, length, 0, length) === 0;
}

let scratch = Buffer.alloc(0);

/**
 * Writes a text's UTF-8 bytes to a buffer reused from call to call and
 * returns their count: a plan compares every file of every changed bundle,
 * and a fresh buffer for each would be tens of megabytes of garbage.
 */
function encode(text: string): number {
  // At most three UTF-8 bytes per UTF-16 unit, so the whole text always fits.
  if (scratch.length < 3 * text.length) scratch = Buffer.allocUnsafe(Math.max(3 * text.length, 2 * scratch.length));
  return scratch.write(text, 'utf8');
}

function isWireGuardConf(path: string): boolean {
  return path.startsWith('wireguard/') && path.endsWith('.conf');
}

function isOpenVpnConf(path: string): boolean {
  return path.startsWith('openvpn/') && path.endsWith('.conf');
}

/** A wg-quick config's blank-line separated sections, the first ([Interface]) always kept, the rest only where they differ. */
function withoutCommonSections(old: string, now: string): [string, string] {
  const [a, b] = [old.split('\n\n'), now.split('\n\n')];
  const [inA, inB] = [new Set(a), new Set(b)];
  return [a.filter((s, i) => i === 0 || !inB.has(s)).join('\n\n'), b.filter((s, i) => i === 0 || !inA.has(s)).join('\n\n')];
}

function textOf(files: BundleTexts, path: string): string | undefined {
  const content = files.get(path);
  return typeof content === 'string' || content === undefined ? content : content.toString('utf8');
}

function summarizeOpenVpn(lan: string, files: BundleTexts): BundleSummary {
  const peers = new Map<string, PeerFacts>();
  const ports: number[] = [];
  let mtu: number | undefined;
  for (const path of files.keys()) {
    const match = /^openvpn\/(.+)\.conf$/.exec(path);
    if (!match) continue;
    const peer = match[1]!;
    const conf = directives(textOf(files, path)!);
    ports.push(Number(conf.get('lport')?.[0]?.[0]));
    mtu = Number(conf.get('tun-mtu')?.[0]?.[0]);
    const remote = conf.get('remote')?.[0];
    peers.set(peer, {
      ...(remote ? { endpoint: remote[0]! } : {}),
      routes: (conf.get('route') ?? []).map(([network, mask]) => `${network}/${prefixOfNetmask(mask!)}`),
      tunnel: (conf.get('ifconfig')?.[0] ?? []).join(' '),
      linkKey: digest(textOf(files, `keys/tls-crypt/${peer}.key`) ?? ''),
    });
  }
  const [cert, key, ca, crl] = [`keys/${lan}.crt`, `keys/${lan}.key`, 'keys/ca.crt', 'keys/crl.pem'].map((path) => textOf(files, path));
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
function summarizeWireGuard(text: string): BundleSummary {
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

function certificateFacts(pem: string): { serial: number; notAfter: string } {
  const cert = new X509Certificate(pem);
  return { serial: parseInt(cert.serialNumber, 16), notAfter: new Date(cert.validTo).toISOString() };
}
