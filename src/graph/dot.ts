import type { LanView, LinkView, MeshView } from '../show/view.js';

/**
 * Above this many LANs the links carry no text label: 10 labels (5 LANs)
 * read well, 45 (10 LANs) already tangle, 435 (30 LANs) would hide the LANs. Every
 * link keeps its port and addresses in a tooltip, and `p2pvpn show` lists them.
 */
export const MAX_LABELLED_LANS = 5;

const FONT = 'Helvetica,Arial,sans-serif';

/**
 * The mesh as a Graphviz graph for neato (spring layout, fast even for 435
 * links; circo's circle took seconds). Each link's label is a small node on
 * the link itself, so neato's overlap removal keeps every label clear of the
 * others and of the LANs; plain edge labels piled up where links cross.
 */
export function meshDot(view: MeshView): string {
  const labelled = view.lans.length <= MAX_LABELLED_LANS;
  // In a preview everything is new; dashes only help when they single out what the next generate adds.
  const dashed = (pending: boolean) => (view.source === 'state' && pending ? ', style="rounded,filled,dashed"' : '');
  const dashedLine = (pending: boolean) => (view.source === 'state' && pending ? ', style=dashed' : '');
  const lines = [
    `graph ${quote(view.mesh)} {`,
    `  graph [layout=neato, overlap=false, sep="+8", splines=${labelled ? 'true' : 'false'}, pad=0.3, bgcolor="white",` +
      ` fontname=${quote(FONT)}, fontsize=16, labelloc=t, label=${quote(title(view, labelled))}];`,
    `  node [shape=box, style="rounded,filled", fillcolor="#eef4fb", color="#3b6ea5", penwidth=1.2, fontname=${quote(FONT)}, fontsize=12, margin="0.15,0.06"];`,
    `  edge [color=${quote(labelled ? '#6a7f96' : '#7a8ca080')}, penwidth=${labelled ? 1.2 : 0.6}];`,
    ...view.lans.flatMap((lan) =>
      lan.vip === null
        ? [`  ${quote(lan.name)} [label=<${nodeLabel(view, lan)}>, tooltip=${quote(nodeTooltip(lan))}${dashed(lan.pending)}];`]
        : severalGateways(lan, dashed),
    ),
    ...view.links.flatMap((link) =>
      labelled
        ? labelledLink(link, dashedLine(link.pending))
        : [`  ${quote(link.ends[0])} -- ${quote(link.ends[1])} [tooltip=${quote(edgeTooltip(link))}${dashedLine(link.pending)}];`],
    ),
    '}',
  ];
  return `${lines.join('\n')}\n`;
}

function labelledLink(link: LinkView, style: string): string[] {
  // A space cannot occur in a LAN name, so this id never collides with one.
  const id = quote(`link ${link.pair}`);
  const tooltip = quote(edgeTooltip(link));
  return [
    `  ${id} [shape=plaintext, style=filled, fillcolor="white", width=0, height=0, margin=0.02, fontsize=10, fontcolor="#2d3e50",` +
      ` label=${quote(edgeLabel(link))}, tooltip=${tooltip}];`,
    `  ${quote(link.ends[0])} -- ${id} -- ${quote(link.ends[1])} [tooltip=${tooltip}${style}];`,
  ];
}

/**
 * A LAN with several gateways: the LAN (its subnets and VIP) and a node per
 * gateway, tied to it by a dotted line; the mesh's links end at the gateways.
 */
function severalGateways(lan: LanView, dashed: (pending: boolean) => string): string[] {
  const label = [`<b>${html(lan.name)}</b>`, ...lan.subnets.map(html), `<font point-size="9" color="#555555">${html(`VIP ${lan.vip}`)}</font>`].join('<br/>');
  const what = `${lan.name}${lan.description ? ` (${lan.description})` : ''}: ${lan.subnets.join(', ')}`;
  const tooltip = `${what}, VIP ${lan.vip} held by one of ${lan.gateways.map((g) => g.id).join(', ')}`;
  return [
    `  ${quote(lan.name)} [label=<${label}>, tooltip=${quote(tooltip)}${dashed(lan.pending)}];`,
    ...lan.gateways.flatMap((g) => {
      const about = `${g.number}. ${g.id}: gateway ${g.name} of ${lan.name}, LAN address ${g.lanAddress}, endpoint ${g.endpoint ?? 'none (dials out)'}`;
      return [
        `  ${quote(g.id)} [shape=ellipse, fontsize=10, fillcolor="#f6f9fc", label=${quote(g.id)}, tooltip=${quote(about)}${dashed(g.pending)}];`,
        `  ${quote(lan.name)} -- ${quote(g.id)} [style=dotted, len=0.6];`,
      ];
    }),
  ];
}

function title(view: MeshView, labelled: boolean): string {
  const gateways = view.lans.reduce((n, l) => n + l.gateways.length, 0);
  const lans = gateways === view.lans.length ? `${view.lans.length} LANs` : `${view.lans.length} LANs (${gateways} gateways)`;
  const what = `${view.mesh}: ${view.backend} full mesh${view.routing === 'bgp' ? ' with BGP' : ''}, ${lans}, ${view.links.length} links`;
  const notes = [
    ...(view.source === 'state' && view.lans.some((l) => l.pending) ? ['dashed: added by the next generate'] : []),
    ...(labelled ? [] : ['hover a link for its port and addresses; p2pvpn show lists them all']),
  ];
  return notes.length === 0 ? what : `${what}\n(${notes.join('; ')})`;
}

function nodeLabel(view: MeshView, lan: LanView): string {
  const lines = [`<b>${html(lan.name)}</b>`, ...lan.subnets.map(html)];
  if (view.backend === 'wireguard' && view.routing === 'static')
    lines.push(`<font point-size="9" color="#555555">${html(`${lan.tunnelAddresses[0]} · udp ${lan.port}${lan.endpoint ? '' : ' · dials out'}`)}</font>`);
  return lines.join('<br/>');
}

/** OpenVPN links have their own port and /30; WireGuard's belong to the gateways, shown on the nodes. */
export function edgeLabel(link: LinkView): string {
  return link.transitBlock === null ? `pair ${link.pair}` : `udp ${link.ports[0]}\n${link.transitBlock}`;
}

function edgeTooltip(link: LinkView): string {
  const ports = link.ports[0] === link.ports[1] ? `udp ${link.ports[0]}` : `udp ${link.ports[0]}/${link.ports[1]}`;
  const transit = link.transitBlock ? ` ${link.transitBlock}` : '';
  return `pair ${link.pair}: ${link.ends[0]} ${link.tunnelAddresses[0]} - ${link.ends[1]} ${link.tunnelAddresses[1]}, ${ports}${transit}`;
}

function nodeTooltip(lan: LanView): string {
  const description = lan.description ? ` (${lan.description})` : '';
  return `${lan.number}. ${lan.name}${description}: ${lan.subnets.join(', ')}, endpoint ${lan.endpoint ?? 'none (dials out)'}`;
}

/** A DOT double-quoted string; newlines become centred line breaks. */
function quote(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

function html(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
