import type { LanView, MeshView } from '../show/view.js';
import { edgeLabel } from './dot.js';

/**
 * The mesh as a Mermaid flowchart, for pull requests and docs that render
 * Mermaid (GitHub does). Names are safe identifiers by the schema; labels are
 * quoted, with Mermaid's <br/> for line breaks.
 */
export function meshMermaid(view: MeshView): string {
  const gateways = view.lans.reduce((n, l) => n + l.gateways.length, 0);
  const lans = gateways === view.lans.length ? `${view.lans.length} LANs` : `${view.lans.length} LANs (${gateways} gateways)`;
  // WireGuard with static routes: each gateway's one tunnel address belongs on its node.
  const addresses = (lan: LanView): string[] => (view.backend === 'wireguard' && view.routing === 'static' ? lan.tunnelAddresses : []);
  const lines = [
    '---',
    `title: "${view.mesh}: ${view.backend} full mesh${view.routing === 'bgp' ? ' with BGP' : ''}, ${lans}, ${view.links.length} links"`,
    '---',
    'flowchart LR',
    ...view.lans.flatMap((lan) =>
      lan.vip === null
        ? [`  ${id(lan.name)}["<b>${lan.name}</b><br/>${[...lan.subnets, ...addresses(lan)].join('<br/>')}"]`]
        : [
            `  subgraph ${id(lan.name)}["${lan.name}<br/>${[...lan.subnets, `VIP ${lan.vip}`].join('<br/>')}"]`,
            ...lan.gateways.map((g) => `    ${id(g.id)}["${g.id}"]`),
            '  end',
          ],
    ),
    ...view.links.map((link) => `  ${id(link.ends[0])} ---|"${edgeLabel(link).replace(/\n/g, '<br/>')}"| ${id(link.ends[1])}`),
  ];
  return `${lines.join('\n')}\n`;
}

/** Mermaid ids must not be keywords such as "end"; a prefix keeps every LAN name safe. */
function id(name: string): string {
  return `lan_${name.replace(/-/g, '_')}`;
}
