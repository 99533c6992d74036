import { count } from '../model/problems.js';
import type { LanView, LinkView, MeshView } from './view.js';

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
  return [
    `mesh ${view.mesh}: ${view.backend}, ${count(view.lans.length, 'LAN')}, ${count(view.links.length, 'link')}, tunnel MTU ${view.tunnelMtu} (${from})`,
    '',
    'LANs',
    formatTable(
      ['#', 'name', 'subnets', 'endpoint', 'LAN address', 'tunnel addresses'],
      view.lans.map((l) => lanRow(l, marked)),
    ),
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

function lanRow(lan: LanView, marked: boolean): string[] {
  const endpoint =
    lan.endpoint === null ? '(dials out only)' : lan.listen && lan.listen !== lan.endpoint ? `${lan.endpoint} (listens on ${lan.listen})` : lan.endpoint;
  const addresses = lan.tunnelAddresses.length > MAX_LISTED_ADDRESSES ? `${lan.tunnelAddresses.length}, one per link` : lan.tunnelAddresses.join(', ');
  return [`${mark(marked && lan.pending)}${lan.number}`, lan.name, lan.subnets.join(', '), endpoint, lan.lanAddress, addresses];
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
