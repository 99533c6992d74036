import { NAME_PATTERN } from '../model/schema.js';
import type { AncestorGateway } from './cache.js';
import { type ImportProblems, notAFile } from './entries.js';
import type { FolderEntry } from './folder.js';

/** A pair as P2P-VPN made it: end 1 is the gateway named first (the tls-client). */
export interface AncestorPair {
  number: number;
  ends: [string, string];
}

/** P2P-VPN's fixed numbering: UDP port 11000 + pair, tunnel addresses 172.17.<pair>.<end>. */
export const ANCESTOR_PORT_BASE = 11000;
export const ANCESTOR_TRANSIT = '172.17.0.0/16';
/** 172.17.<pair>.0/24 holds pairs 1 to 255. */
export const MAX_PAIR = 255;

const END_FILE = /^server_([1-9][0-9]*)_([12])\.conf$/;
const GATEWAY_LINK = /^(.+)_([1-9][0-9]*)\.conf$/;

/** One line of an OpenVPN config: its keyword, its arguments and where it is. */
interface Directive {
  args: string[];
  line: number;
}

/** One end's config: the numbers in its name, its directives, and the gateway its own key lines name. */
interface EndConfig {
  pair: number;
  end: 1 | 2;
  file: string;
  directives: Map<string, Directive>;
  gateway?: string;
}

/**
 * Reads servers/: each pair's two end configs. Which gateway runs an end is
 * read from that end's own config (its `cert` and `key` lines), and its
 * numbers are checked against P2P-VPN's scheme and cache.txt, so nothing
 * deployed changes silently. The `<gateway>_<pair>.conf` links only
 * cross-check that: real symlinks or the small text files that stand in for
 * them where a copy or a checkout did not keep symlinks.
 */
export function parsePairs(entries: Map<string, FolderEntry>, gateways: AncestorGateway[], dir: string, problems: ImportProblems): AncestorPair[] {
  const known = new Map(gateways.map((g) => [g.name, g]));
  const ends = new Map<string, EndConfig>();
  const links: [string, FolderEntry][] = [];
  for (const [name, entry] of entries) {
    const end = END_FILE.exec(name);
    if (end && entry.kind === 'file') ends.set(name, readEnd(Number(end[1]), Number(end[2]) as 1 | 2, entry.text, `${dir}/${name}`, known, problems));
    else if (end) problems.push(`${dir}/${name}: ${notAFile(entry as Exclude<FolderEntry, { kind: 'file' }>)}`);
    else if (GATEWAY_LINK.test(name)) links.push([name, entry]);
    else problems.push(`${dir}/${name}: not a P2P-VPN file (expected server_<pair>_<end>.conf, or a link <gateway>_<pair>.conf)`);
  }
  const pairs = pairEnds(ends, known, dir, problems);
  for (const [name, entry] of links) checkLink(name, entry, ends, known, dir, problems);
  return pairs;
}

function readEnd(pair: number, end: 1 | 2, text: string, file: string, known: Map<string, AncestorGateway>, problems: ImportProblems): EndConfig {
  const directives = new Map<string, Directive>();
  text.split('\n').forEach((raw, i) => {
    const [keyword, ...args] = raw.replace(/#.*$/, '').trim().split(/\s+/);
    if (keyword && !directives.has(keyword)) directives.set(keyword, { args, line: i + 1 });
  });
  const config: EndConfig = { pair, end, file, directives };
  const cert = ownFile(config, 'cert', 'crt', problems);
  const key = ownFile(config, 'key', 'key', problems);
  if (cert === undefined || key === undefined) return config;
  if (cert !== key)
    problems.push(
      `${file}:${directives.get('key')!.line}: the key is ${key}'s but the certificate` +
        ` (line ${directives.get('cert')!.line}) is ${cert}'s; an end is run by one gateway`,
    );
  else if (!known.has(cert))
    problems.push(`${file}:${directives.get('cert')!.line}: runs as gateway "${cert}", which cache.txt does not list (or lists on a line with a problem)`);
  else config.gateway = cert;
  return config;
}

/** The gateway a `cert keys/<name>.crt` or `key keys/<name>.key` line names. */
function ownFile(config: EndConfig, option: 'cert' | 'key', ext: string, problems: ImportProblems): string | undefined {
  const d = config.directives.get(option);
  const name = d && d.args.length === 1 ? new RegExp(`^keys/(.+)\\.${ext}$`).exec(d.args[0]!)?.[1] : undefined;
  if (d === undefined) problems.push(`${config.file}: no "${option}" line, which names the gateway that runs this end`);
  else if (name === undefined || !NAME_PATTERN.test(name))
    problems.push(`${config.file}:${d.line}: "${option} ${d.args.join(' ')}" is not P2P-VPN's "${option} keys/<gateway>.${ext}"`);
  return name !== undefined && NAME_PATTERN.test(name) ? name : undefined;
}

/** Both ends of every pair, checked against each other and against P2P-VPN's numbering. */
function pairEnds(ends: Map<string, EndConfig>, known: Map<string, AncestorGateway>, dir: string, problems: ImportProblems): AncestorPair[] {
  const numbers = [...new Set([...ends.values()].map((e) => e.pair))].sort((a, b) => a - b);
  const pairs: AncestorPair[] = [];
  for (const number of numbers) {
    const where = `${dir}/server_${number}_*.conf`;
    const [one, two] = [ends.get(`server_${number}_1.conf`), ends.get(`server_${number}_2.conf`)];
    if (number > MAX_PAIR) problems.push(`${where}: pair number ${number} is outside 1-${MAX_PAIR}, which P2P-VPN's 172.17.<pair>.0/24 addresses allow`);
    else if (!one || !two) problems.push(`${where}: pair ${number} lacks the config of end ${one ? 2 : 1}`);
    else if (one.gateway && two.gateway && one.gateway === two.gateway) problems.push(`${where}: both ends of pair ${number} are run by ${one.gateway}`);
    else if (one.gateway && two.gateway) {
      const pair: AncestorPair = { number, ends: [one.gateway, two.gateway] };
      checkEnd(one, known.get(two.gateway)!, problems);
      checkEnd(two, known.get(one.gateway)!, problems);
      const twin = pairs.find((p) => p.ends.includes(pair.ends[0]) && p.ends.includes(pair.ends[1]));
      if (twin) problems.push(`${where}: pairs ${twin.number} and ${number} both join ${pair.ends[0]} and ${pair.ends[1]}`);
      pairs.push(pair);
    }
  }
  return pairs;
}

/** The lines of one end that carry numbers p2pvpn keeps: each must say what P2P-VPN's scheme says. */
function checkEnd(config: EndConfig, peer: AncestorGateway, problems: ImportProblems): void {
  const { pair, end } = config;
  const port = String(ANCESTOR_PORT_BASE + pair);
  const expected: [string, string][] = [
    ['lport', port],
    ['rport', port],
    ['ifconfig', `172.17.${pair}.${end} 172.17.${pair}.${3 - end}`],
    ['remote', peer.fqdn],
    ['route', `${peer.network} 255.255.255.0`],
  ];
  for (const [option, want] of expected) {
    const d = config.directives.get(option);
    // A port after the remote host is rport's business.
    const found = d === undefined ? undefined : (option === 'remote' ? d.args.slice(0, 1) : d.args).join(' ');
    if (found === want) continue;
    const at = d === undefined ? config.file : `${config.file}:${d.line}`;
    problems.push(
      `${at}: "${option}" is ${found === undefined ? 'missing' : `"${found}"`}, P2P-VPN's pair ${pair} end ${end} to ${peer.name} has "${option} ${want}"`,
    );
  }
  const [role, other] = end === 1 ? ['tls-client', 'tls-server'] : ['tls-server', 'tls-client'];
  const wrong = config.directives.get(other);
  if (wrong) problems.push(`${config.file}:${wrong.line}: says ${other}, but end ${end} of a P2P-VPN pair is the ${role}`);
  // P2P-VPN named the peer it expects; OpenVPN 2.4 dropped the option, but the name still cross-checks the pair.
  const named = config.directives.get('tls-remote');
  if (named && named.args[0] !== peer.name)
    problems.push(`${config.file}:${named.line}: "tls-remote ${named.args.join(' ')}" names another peer than the gateway of the other end, ${peer.name}`);
}

/**
 * A `<gateway>_<pair>.conf` link must point at an end of that pair in
 * servers/ itself, and that end's config must be the gateway's. A symlink
 * is read, never followed; a regular file stands in for one only when its
 * whole content is such an end's file name.
 */
function checkLink(
  name: string,
  entry: FolderEntry,
  ends: Map<string, EndConfig>,
  known: Map<string, AncestorGateway>,
  dir: string,
  problems: ImportProblems,
): void {
  const why = linkProblem(name, entry, ends, known);
  if (why !== undefined) problems.push(`${dir}/${name}: ${why}`);
}

function linkProblem(name: string, entry: FolderEntry, ends: Map<string, EndConfig>, known: Map<string, AncestorGateway>): string | undefined {
  const [, gateway, pair] = GATEWAY_LINK.exec(name)!;
  if (entry.kind !== 'symlink' && entry.kind !== 'file') return notAFile(entry);
  const [target, verb] = entry.kind === 'symlink' ? [entry.target, 'points at'] : [entry.text, 'names'];
  const end = END_FILE.exec(target);
  if (!end) {
    const where = entry.kind === 'symlink' && target.includes('/') ? 'outside servers/; a link must point at an end in servers/ itself, ' : '';
    const standIn = entry.kind === 'file' ? " (a file standing in for a symlink holds only its target's name)" : '';
    return `${verb} "${target}", ${where}expected server_${pair}_<1 or 2>.conf${standIn}`;
  }
  if (end[1] !== pair) return `${verb} ${target}, an end of pair ${end[1]}, not of pair ${pair}`;
  if (!known.has(gateway!)) return `gateway "${gateway}" is not in cache.txt`;
  const config = ends.get(target);
  if (!config) return `${verb} ${target}, which is not in servers/`;
  if (config.gateway !== undefined && config.gateway !== gateway)
    return `${verb} ${target}, but that end's config is ${config.gateway}'s (its cert and key lines), not ${gateway}'s`;
  return undefined;
}
