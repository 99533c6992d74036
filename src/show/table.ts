import { count } from '../model/problems.js';
import type { GatewayView, LinkView, MeshView } from './view.js';

/** Left-aligned columns separated by two spaces; the last column is not padded. */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

/** More OpenVPN tunnel addresses than this are summarised: the links table lists them all. */
const MAX_LISTED_ADDRESSES = 3;

export function formatView(view: MeshView): string {
  const from = view.source === 'state' ? 'numbers from the saved state' : 'preview: not generated yet, numbers the next generate would give';
  // In a preview everything is pending, so marks would only add noise.
  const marked = view.source === 'state';
  const pendingNote =
    marked && (view.lans.some((l) => l.pending) || view.links.some((l) => l.pending)) ? ['', '+ = not generated yet, the next generate adds it'] : [];
  const removed = view.removedLans.length > 0 ? ['', `leaving the mesh at the next generate: ${view.removedLans.join(', ')}`] : [];
  const gateways = view.lans.flatMap((l) => l.gateways.map((g) => ({ lan: l, g })));
  const several = view.lans.filter((l) => l.vip !== null);
  // A LAN with several gateways has a row per gateway; below the table, its VIP and which gateway is preferred.
  const vips =
    several.length === 0
      ? []
      : [
          '',
          'LANs with several gateways (the first listed holds the VIP while its links are up)',
          ...several.map((l) => `${l.name}: VIP ${l.vip}, gateways ${l.gateways.map((g) => g.id).join(', ')}`),
        ];
  const lanCount =
    gateways.length === view.lans.length ? count(view.lans.length, 'LAN') : `${count(view.lans.length, 'LAN')} (${count(gateways.length, 'gateway')})`;
  const routing = view.routing === 'bgp' ? ' with BGP' : '';
  return [
    `mesh ${view.mesh}: ${view.backend}${routing}, ${lanCount}, ${count(view.links.length, 'link')}, tunnel MTU ${view.tunnelMtu} (${from})`,
    '',
    'LANs',
    formatTable(
      ['#', 'name', 'subnets', 'endpoint', 'LAN address', 'tunnel addresses'],
      gateways.map(({ lan, g }) => gatewayRow(lan.subnets, g, marked)),
    ),
    ...vips,
    '',
    'Links',
    formatTable(
      ['pair', 'ends', 'ports', 'transit', 'tunnel addresses', 'backend'],
      view.links.map((l) => linkRow(l, marked)),
    ),
    ...pendingNote,
    ...removed,
  ].join('\n');
}

function mark(pending: boolean): string {
  return pending ? '+' : '';
}

function gatewayRow(subnets: string[], g: GatewayView, marked: boolean): string[] {
  const endpoint = g.endpoint === null ? '(dials out only)' : g.listen && g.listen !== g.endpoint ? `${g.endpoint} (listens on ${g.listen})` : g.endpoint;
  const addresses = g.tunnelAddresses.length > MAX_LISTED_ADDRESSES ? `${g.tunnelAddresses.length}, one per link` : g.tunnelAddresses.join(', ');
  return [`${mark(marked && g.pending)}${g.number}`, g.id, subnets.join(', '), endpoint, g.lanAddress, addresses];
}

function linkRow(link: LinkView, marked: boolean): string[] {
  const ports = link.ports[0] === link.ports[1] ? `udp ${link.ports[0]}` : `udp ${link.ports[0]}/${link.ports[1]}`;
  return [
    `${mark(marked && link.pending)}${link.pair}`,
    `${link.ends[0]} - ${link.ends[1]}`,
    ports,
    link.transitBlock ?? '-',
    `${link.tunnelAddresses[0]} - ${link.tunnelAddresses[1]}`,
    link.backend,
  ];
}
