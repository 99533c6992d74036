import { IPV4_PATTERN } from '../model/net.js';
import { HOSTNAME_PATTERN, NAME_PATTERN, NAME_RULE } from '../model/schema.js';
import type { ImportProblems } from './entries.js';

/** A gateway as P2P-VPN cached it: short name, public DNS name, and a /24 given by its network address. */
export interface AncestorGateway {
  name: string;
  fqdn: string;
  /** The bare network address from cache.txt, e.g. 192.168.1.0. */
  network: string;
  /** Its line in cache.txt, where every problem about it is reported. */
  line: number;
  /** False when its line has a problem: it is still known by name, to check the rest of the folder against. */
  sound: boolean;
}

/**
 * Reads cache.txt (`name fqdn subnet` per line). Every problem is reported
 * at its line. A gateway whose other fields have a problem stays in the
 * result, marked unsound, so that servers/ and keys/ are still checked
 * against its name in the same run.
 */
export function parseCache(text: string, file: string, problems: ImportProblems): AncestorGateway[] {
  const gateways: AncestorGateway[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    const gateway = parseLine(line, `${file}:${i + 1}`, problems);
    if (!gateway) continue;
    if (gateways.some((g) => g.name === gateway.name)) problems.push(`${file}:${i + 1}: gateway "${gateway.name}" is listed twice`);
    else gateways.push({ ...gateway, line: i + 1 });
  }
  if (gateways.length < 2 && problems.length === 0)
    problems.push(`${file}: lists ${gateways.length} gateway${gateways.length === 1 ? '' : 's'}; a mesh needs two`);
  return gateways;
}

function parseLine(line: string, where: string, problems: ImportProblems): Omit<AncestorGateway, 'line'> | undefined {
  const fields = line.split(/\s+/);
  if (fields.length !== 3) {
    problems.push(`${where}: expected "name fqdn subnet", found ${fields.length} field${fields.length === 1 ? '' : 's'}`);
    return undefined;
  }
  const [name, fqdn, network] = fields as [string, string, string];
  const before = problems.length;
  if (!IPV4_PATTERN.test(fqdn) && !HOSTNAME_PATTERN.test(fqdn)) problems.push(`${where}: "${fqdn}" is not a DNS name or IPv4 address`);
  if (!IPV4_PATTERN.test(network) || !network.endsWith('.0')) problems.push(`${where}: subnet "${network}" is not a /24 network address like 192.168.1.0`);
  // The name is each certificate's CN and what peers verify: it must be kept as it is, so it must fit p2pvpn's rule.
  if (NAME_PATTERN.test(name)) return { name, fqdn, network, sound: problems.length === before };
  problems.push(`${where}: gateway name "${name}" is not a p2pvpn name (${NAME_RULE}); it is the CN peers verify, so it cannot be renamed on import`);
  return undefined;
}
