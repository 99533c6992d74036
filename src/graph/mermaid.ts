import type { MeshView } from '../show/view.js';
import { edgeLabel } from './dot.js';

/**
 * The mesh as a Mermaid flowchart, for pull requests and docs that render
 * Mermaid (GitHub does). Names are safe identifiers by the schema; labels are
 * quoted, with Mermaid's <br/> for line breaks.
 */
export function meshMermaid(view: MeshView): string {
  const lines = [
    '---',
    `title: "${view.mesh}: ${view.backend} full mesh, ${view.lans.length} LANs, ${view.links.length} links"`,
    '---',
    'flowchart LR',
    ...view.lans.map(
      (lan) => `  ${id(lan.name)}["<b>${lan.name}</b><br/>${[...lan.subnets, ...(view.backend === 'wireguard' ? lan.tunnelAddresses : [])].join('<br/>')}"]`,
    ),
    ...view.links.map((link) => `  ${id(link.ends[0])} ---|"${edgeLabel(link).replace(/\n/g, '<br/>')}"| ${id(link.ends[1])}`),
  ];
  return `${lines.join('\n')}\n`;
}

/** Mermaid ids must not be keywords such as "end"; a prefix keeps every LAN name safe. */
function id(name: string): string {
  return `lan_${name.replace(/-/g, '_')}`;
}
