import { printable } from '../model/problems.js';
import type { AncestorGateway } from './cache.js';
import { ANCESTOR_PORT_BASE, ANCESTOR_TRANSIT } from './servers.js';

/** The lans.yaml of an imported mesh: P2P-VPN's numbering kept, and the one guess it has to make marked. */
export function importedLansYaml(mesh: string, source: string, gateways: AncestorGateway[], organisation: string | undefined): string {
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
  const certificates =
    organisation === undefined
      ? []
      : ['  certificates:', `    organisation: ${organisation}  # the O= of P2P-VPN's CA, kept by the CA p2pvpn makes for "rotate --ca"`];
  return [
    // The folder's path is the user's, but a line break in it must not end the comment.
    `# Imported by "p2pvpn import" from the P2P-VPN folder ${printable(source)}.`,
    '# Pair numbers, ports (11000 + pair) and tunnel addresses (172.17.<pair>.1 and .2) are kept:',
    '# transitLayout p2p-vpn gives pair N the N-th /24 of the transit range, as P2P-VPN did.',
    'mesh:',
    `  name: ${mesh}`,
    '  backend: openvpn',
    `  transit: ${ANCESTOR_TRANSIT}`,
    '  openvpn:',
    `    portBase: ${ANCESTOR_PORT_BASE}`,
    '    transitLayout: p2p-vpn',
    ...certificates,
    '',
    'lans:',
    lans.join('\n\n'),
    '',
  ].join('\n');
}
