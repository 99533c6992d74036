import { IPV4_PATTERN } from '../model/net.js';
import { HOSTNAME_PATTERN, NAME_PATTERN, NAME_RULE } from '../model/schema.js';

/** A gateway as P2P-VPN cached it: short name, public DNS name, and a /24 given by its network address. */
export interface AncestorGateway {
  name: string;
  fqdn: string;
  /** The bare network address from cache.txt, e.g. 192.168.1.0. */
  network: string;
}

/** Reads cache.txt (`name fqdn subnet` per line); every problem is reported, located by line. */
export function parseCache(text: string, file: string, problems: string[]): AncestorGateway[] {
  const gateways: AncestorGateway[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    const where = `${file}:${i + 1}`;
    const fields = line.split(/\s+/);
    if (fields.length !== 3) {
      problems.push(`${where}: expected "name fqdn subnet", found ${fields.length} field${fields.length === 1 ? '' : 's'}`);
      return;
    }
    const [name, fqdn, network] = fields as [string, string, string];
    // The name is each certificate's CN and what peers verify: it must be kept as it is, so it must fit p2pvpn's rule.
    if (!NAME_PATTERN.test(name))
      problems.push(`${where}: gateway name "${name}" is not a p2pvpn name (${NAME_RULE}); it is the CN peers verify, so it cannot be renamed on import`);
    if (!IPV4_PATTERN.test(fqdn) && !HOSTNAME_PATTERN.test(fqdn)) problems.push(`${where}: "${fqdn}" is not a DNS name or IPv4 address`);
    if (!IPV4_PATTERN.test(network) || !network.endsWith('.0')) problems.push(`${where}: subnet "${network}" is not a /24 network address like 192.168.1.0`);
    if (gateways.some((g) => g.name === name)) problems.push(`${where}: gateway "${name}" is listed twice`);
    gateways.push({ name, fqdn, network });
  });
  if (gateways.length < 2 && problems.length === 0)
    problems.push(`${file}: lists ${gateways.length} gateway${gateways.length === 1 ? '' : 's'}; a mesh needs two`);
  return gateways;
}
