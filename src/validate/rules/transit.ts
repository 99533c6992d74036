import { blockSize, formatBlock, hasHostBits, isPrivate, networkOf, parseBlock } from '../../model/net.js';
import type { Report } from '../../model/problems.js';
import type { LansConfig } from '../../model/schema.js';
import { transitCapacity } from '../../model/transit.js';

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
  const lans = config.lans.length;
  const capacity = transitCapacity(config.mesh.backend, blockSize(block), config.mesh.openvpn.transitLayout);
  const needed = config.mesh.backend === 'openvpn' ? (lans * (lans - 1)) / 2 : lans;
  if (needed > capacity.count) {
    report(path, `${config.mesh.transit} holds ${capacity.count} ${capacity.unit} but ${lans} LANs need ${needed}, choose a larger range`);
  }
}
