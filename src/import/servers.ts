import type { AncestorGateway } from './cache.js';
import type { ServerEntry } from './folder.js';

/** A pair as P2P-VPN made it: end 1 is the gateway named first (the tls-client). */
export interface AncestorPair {
  number: number;
  ends: [string, string];
}

/** P2P-VPN's fixed numbering: UDP port 11000 + pair, tunnel addresses 172.17.<pair>.<end>. */
export const ANCESTOR_PORT_BASE = 11000;
export const ANCESTOR_TRANSIT = '172.17.0.0/16';
const MAX_PAIR = 255;

const END_FILE = /^server_(\d+)_([12])\.conf$/;
const GATEWAY_LINK = /^(.+)_(\d+)\.conf$/;

/**
 * Reads servers/: each pair's two end configs, and the links that say which
 * gateway runs which end. Each end's numbers are checked against the ones
 * p2pvpn will keep, so nothing deployed changes silently.
 */
export function parsePairs(entries: ServerEntry[], gateways: AncestorGateway[], dir: string, problems: string[]): AncestorPair[] {
  const byName = new Map(gateways.map((g) => [g.name, g]));
  const ends = new Map<number, { texts: (string | undefined)[]; names: (string | undefined)[] }>();
  const slot = (pair: number) => ends.get(pair) ?? ends.set(pair, { texts: [], names: [] }).get(pair)!;
  for (const entry of entries) {
    const path = `${dir}/${entry.name}`;
    const end = END_FILE.exec(entry.name);
    const link = GATEWAY_LINK.exec(entry.name);
    if (end && entry.text !== undefined) slot(Number(end[1])).texts[Number(end[2]) - 1] = entry.text;
    else if (link && entry.linkTarget !== undefined) {
      const target = END_FILE.exec(entry.linkTarget);
      if (!target || target[1] !== link[2]) problems.push(`${path}: points at "${entry.linkTarget}", expected servers/server_${link[2]}_<1 or 2>.conf`);
      else if (!byName.has(link[1]!)) problems.push(`${path}: gateway "${link[1]}" is not in cache.txt`);
      else slot(Number(link[2])).names[Number(target[2]) - 1] = link[1];
    } else problems.push(`${path}: not a P2P-VPN file (expected server_<pair>_<end>.conf, or a link <gateway>_<pair>.conf)`);
  }
  const pairs: AncestorPair[] = [];
  for (const [number, { texts, names }] of [...ends].sort((a, b) => a[0] - b[0])) {
    const where = `${dir}/server_${number}_*.conf`;
    if (number < 1 || number > MAX_PAIR)
      problems.push(`${where}: pair number ${number} is outside 1-${MAX_PAIR}, which P2P-VPN's 172.17.<pair>.0/24 addresses allow`);
    else if (!texts[0] || !texts[1]) problems.push(`${where}: pair ${number} lacks the config of end ${texts[0] ? 2 : 1}`);
    else if (!names[0] || !names[1]) problems.push(`${where}: no <gateway>_${number}.conf link names the gateway of end ${names[0] ? 2 : 1}`);
    else if (names[0] === names[1]) problems.push(`${where}: both ends of pair ${number} are ${names[0]}`);
    else {
      const pair: AncestorPair = { number, ends: [names[0], names[1]] };
      checkEnd(texts[0], pair, 0, byName, `${dir}/server_${number}_1.conf`, problems);
      checkEnd(texts[1], pair, 1, byName, `${dir}/server_${number}_2.conf`, problems);
      const twin = pairs.find((p) => p.ends.includes(pair.ends[0]) && p.ends.includes(pair.ends[1]));
      if (twin) problems.push(`${where}: pairs ${twin.number} and ${number} both join ${pair.ends[0]} and ${pair.ends[1]}`);
      pairs.push(pair);
    }
  }
  return pairs;
}

/** The lines of one end that carry numbers p2pvpn keeps: each must say what P2P-VPN's scheme says. */
function checkEnd(text: string, pair: AncestorPair, end: 0 | 1, gateways: Map<string, AncestorGateway>, file: string, problems: string[]): void {
  const peer = gateways.get(pair.ends[1 - end]!)!;
  const port = String(ANCESTOR_PORT_BASE + pair.number);
  const expected: [string, string][] = [
    ['lport', port],
    ['rport', port],
    ['ifconfig', `172.17.${pair.number}.${end + 1} 172.17.${pair.number}.${2 - end}`],
    ['remote', peer.fqdn],
    ['route', `${peer.network} 255.255.255.0`],
  ];
  const lines = text.split('\n').map((l) => l.trim());
  for (const [option, want] of expected) {
    const found = lines.find((l) => l === option || l.startsWith(`${option} `));
    let value = found?.slice(option.length).trim().replace(/\s+/g, ' ');
    if (option === 'remote') value = value?.split(' ')[0]; // a port after the host is rport's business
    if (value !== want)
      problems.push(
        `${file}: "${option}" is ${value === undefined ? 'missing' : `"${value}"`},` +
          ` P2P-VPN's pair ${pair.number} end ${end + 1} to ${peer.name} has "${option} ${want}"`,
      );
  }
  const role = end === 0 ? 'tls-client' : 'tls-server';
  const other = end === 0 ? 'tls-server' : 'tls-client';
  if (lines.includes(other)) problems.push(`${file}: says ${other}, but end ${end + 1} of a P2P-VPN pair is the ${role}`);
}
