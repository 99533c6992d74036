import type { AncestorGateway } from './cache.js';
import { ANCESTOR_PORT_BASE, ANCESTOR_TRANSIT } from './servers.js';

/** The lans.yaml of an imported mesh: P2P-VPN's numbering kept, and the one guess it has to make marked. */
export function importedLansYaml(mesh: string, source: string, gateways: AncestorGateway[]): string {
  const lans = gateways.map((g) => {
    const lanAddress = g.network.replace(/\.0$/, '.1');
    return [
      `  - name: ${g.name}`,
      `    subnets: [${g.network}/24]`,
      '    gateway:',
      `      endpoint: ${g.fqdn}`,
      `      lanAddress: ${lanAddress}  # assumed: P2P-VPN did not record it, set the gateway's address on its LAN`,
    ].join('\n');
  });
  return [
    `# Imported by "p2pvpn import" from the P2P-VPN folder ${source}.`,
    '# Pair numbers, ports (11000 + pair) and tunnel addresses (172.17.<pair>.1 and .2) are kept:',
    '# transitLayout p2p-vpn gives pair N the N-th /24 of the transit range, as P2P-VPN did.',
    'mesh:',
    `  name: ${mesh}`,
    '  backend: openvpn',
    `  transit: ${ANCESTOR_TRANSIT}`,
    '  openvpn:',
    `    portBase: ${ANCESTOR_PORT_BASE}`,
    '    transitLayout: p2p-vpn',
    '',
    'lans:',
    lans.join('\n\n'),
    '',
  ].join('\n');
}
