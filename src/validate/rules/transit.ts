import { linkCount } from '../../model/gateways.js';
import { blockSize, formatBlock, hasHostBits, isPrivate, networkOf, parseBlock } from '../../model/net.js';
import type { Report } from '../../model/problems.js';
import type { LansConfig } from '../../model/schema.js';
import { perLinkTransit, transitCapacity } from '../../model/transit.js';

/** The transit range is private and holds every tunnel address the mesh needs. */
export function checkTransit(config: LansConfig, report: Report): void {
  const path = ['mesh', 'transit'];
  const block = parseBlock(config.mesh.transit);
  if (hasHostBits(block)) {
    report(path, `${config.mesh.transit} has host bits set, the network address is ${formatBlock({ start: networkOf(block), prefix: block.prefix })}`);
    return;
  }
  if (!isPrivate(block)) {
    report(path, `${config.mesh.transit} is not wholly inside a private range, use a block of 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16`);
    return;
  }
  const { backend, routing } = config.mesh;
  const lans = config.lans.length;
  const capacity = transitCapacity(backend, blockSize(block), config.mesh.openvpn.transitLayout, routing);
  const needed = perLinkTransit(backend, routing) ? linkCount(config) : lans;
  if (needed > capacity.count) {
    report(path, `${config.mesh.transit} holds ${capacity.count} ${capacity.unit} but ${lans} LANs need ${needed}, choose a larger range`);
  }
}
