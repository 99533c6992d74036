import { X509Certificate } from 'node:crypto';
import { crlSerials } from '../crypto/crl.js';
import { prefixOfNetmask } from '../model/net.js';
import { type BundleFacts, digest, isWireGuardConf, type PeerFacts } from '../plan/facts.js';

/** A bundle's files by path inside the bundle: text as rendered, or bytes as read from a tarball. */
export type BundleTexts = Map<string, string | Buffer>;

/**
 * The peers whose tunnel files are the same in both versions of a bundle:
 * OpenVPN config and link key, or WireGuard [Peer] section. Their facts are
 * the same, so neither version's summary needs them: one peer added to a
 * 200-peer bundle leaves one peer to work out, not 200.
 */
export function sharedPeers(old: BundleTexts, now: BundleTexts): Set<string> {
  const shared = new Set<string>();
  // One config with a [Peer] per peer, or (under routing: bgp) one config per link with its one [Peer].
  const wgConfs = [...old.keys()].filter(isWireGuardConf);
  if (wgConfs.length > 0) {
    for (const wgConf of wgConfs) {
      const sections = new Set(textOf(now, wgConf)?.split('\n\n'));
      for (const section of textOf(old, wgConf)!.split('\n\n').slice(1)) if (sections.has(section)) shared.add(peerOfSection(section));
    }
    return shared;
  }
  for (const path of old.keys()) {
    const peer = /^openvpn\/(.+)\.conf$/.exec(path)?.[1];
    const key = `keys/tls-crypt/${peer}.key`;
    if (peer !== undefined && sameContent(old.get(path), now.get(path)) && sameContent(old.get(key), now.get(key))) shared.add(peer);
  }
  return shared;
}

/**
 * The facts of an old bundle, read from the files of its tarball, but those
 * of the `shared` peers. Where another file is the same in the new bundle,
 * its facts are the new bundle's, `facts`, and it is not read: an unchanged
 * CRL or certificate is never decoded. `now` may hold only the files that
 * carry facts; with an empty `now` and no shared peer every file is read.
 */
export function summarizeOld(lan: string, old: BundleTexts, now: BundleTexts, facts: BundleFacts, shared: ReadonlySet<string> = new Set()): BundleFacts {
  const wgConfs = [...old.keys()].filter(isWireGuardConf).sort();
  if (wgConfs.length > 0)
    return summarizeWireGuard(
      wgConfs.map((path) => textOf(old, path)!),
      shared,
    );
  return summarizeOpenVpn(lan, old, now, facts, shared);
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

function textOf(files: BundleTexts, path: string): string | undefined {
  const content = files.get(path);
  return typeof content === 'string' || content === undefined ? content : content.toString('utf8');
}

function summarizeOpenVpn(lan: string, old: BundleTexts, now: BundleTexts, facts: BundleFacts, shared: ReadonlySet<string>): BundleFacts {
  const same = (path: string): boolean => sameContent(old.get(path), now.get(path));
  const peers = new Map<string, PeerFacts>();
  let mtu: number | undefined;
  for (const path of old.keys()) {
    const peer = /^openvpn\/(.+)\.conf$/.exec(path)?.[1];
    if (peer === undefined) continue;
    const key = `keys/tls-crypt/${peer}.key`;
    const known = facts.peers.get(peer);
    if (same(path)) mtu = facts.mtu;
    if (shared.has(peer)) {
      // The MTU is every config's: a bundle whose only peer is shared still tells it (read once).
      mtu ??= Number(/^tun-mtu (\d+)$/m.exec(textOf(old, path)!)?.[1]) || undefined;
      continue;
    }
    if (same(path) && known) {
      // The config is the new one's, its link key is not.
      peers.set(peer, { ...known, linkKey: digest(textOf(old, key) ?? '') });
      continue;
    }
    const conf = directives(textOf(old, path)!);
    mtu ??= Number(conf.get('tun-mtu')?.[0]?.[0]);
    peers.set(peer, openVpnPeer(conf, digest(textOf(old, key) ?? '')));
  }
  const read = <T>(path: string, ofNew: T | undefined, parse: (text: string) => T): T | undefined => {
    if (same(path)) return ofNew;
    const text = textOf(old, path);
    return text === undefined ? undefined : parse(text);
  };
  return {
    backend: 'openvpn',
    ports: [...peers.values()].map((p) => p.port!).sort((a, b) => a - b),
    ...(mtu ? { mtu } : {}),
    ...optional('ownKey', read(`keys/${lan}.key`, facts.ownKey, digest)),
    ...optional(
      'certificate',
      read(`keys/${lan}.crt`, facts.certificate, (pem) => ({ serial: parseInt(new X509Certificate(pem).serialNumber, 16) })),
    ),
    ...optional('ca', read('keys/ca.crt', facts.ca, digest)),
    revoked: read('keys/crl.pem', facts.revoked, crlSerials) ?? [],
    peers,
  };
}

function openVpnPeer(conf: Map<string, string[][]>, linkKey: string): PeerFacts {
  const remote = conf.get('remote')?.[0];
  return {
    ...(remote ? { endpoint: remote[0]! } : {}),
    routes: (conf.get('route') ?? []).map(([network, mask]) => `${network}/${prefixOfNetmask(mask!)}`),
    tunnel: (conf.get('ifconfig')?.[0] ?? []).join(' '),
    linkKey,
    port: Number(conf.get('lport')?.[0]?.[0]),
  };
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/**
 * wg-quick configs: blank-line separated sections, the [Interface] first,
 * then each [Peer] after a `# <name>` comment, its AllowedIPs starting with
 * the peer's tunnel address. A config with `Table = off` is one link's
 * (routing: bgp): its port is that link's, left out with its peer when shared.
 */
function summarizeWireGuard(texts: string[], shared: ReadonlySet<string>): BundleFacts {
  const peers = new Map<string, PeerFacts>();
  const ports: number[] = [];
  let mtu: string | undefined;
  let privateKey: string | undefined;
  for (const text of texts) {
    const [head = '', ...sections] = text.split('\n\n');
    const iface = keyValues(head);
    const names = sections.map(peerOfSection);
    sections.forEach((section, i) => {
      if (!shared.has(names[i]!)) peers.set(names[i]!, wireGuardPeer(keyValues(section)));
    });
    if (iface.get('Table') !== 'off' || names.some((n) => !shared.has(n))) ports.push(Number(iface.get('ListenPort')));
    mtu ??= iface.get('MTU');
    privateKey ??= iface.get('PrivateKey');
  }
  return {
    backend: 'wireguard',
    ports: ports.sort((a, b) => a - b),
    ...(mtu ? { mtu: Number(mtu) } : {}),
    ...(privateKey ? { ownKey: digest(privateKey) } : {}),
    revoked: [],
    peers,
  };
}

/** The peer a wg-quick [Peer] section is for: the `# <name>` comment above it. */
function peerOfSection(section: string): string {
  return /^# (\S+)$/m.exec(section)?.[1] ?? '';
}

function wireGuardPeer(section: Map<string, string>): PeerFacts {
  const [tunnel = '', ...routes] = (section.get('AllowedIPs') ?? '').split(/,\s*/);
  const endpoint = section.get('Endpoint');
  return { ...(endpoint ? { endpoint } : {}), routes, tunnel, linkKey: digest(section.get('PresharedKey') ?? ''), peerKey: section.get('PublicKey') ?? '' };
}

/** `Key = value` lines of a wg-quick section. */
function keyValues(section: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of section.split('\n')) {
    const kv = /^(\w+) = (.*)$/.exec(line);
    if (kv) map.set(kv[1]!, kv[2]!);
  }
  return map;
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
