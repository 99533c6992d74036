import { type Block, blockEnd, formatBlock, hasHostBits, isPrivate, networkOf, overlaps, parseBlock } from '../../model/net.js';
import type { Report } from '../../model/problems.js';
import type { LansConfig } from '../../model/schema.js';
import { lanRef } from './lanRef.js';

interface Located {
  block: Block;
  path: (string | number)[];
  owner: string;
}

/** Each subnet is a network address, wholly inside RFC 1918, and overlaps no other subnet or the transit range. */
export function checkSubnets(config: LansConfig, report: Report): void {
  const all: Located[] = [];
  config.lans.forEach((lan, i) => {
    lan.subnets.forEach((cidr, j) => {
      const block = parseBlock(cidr);
      const path = ['lans', i, 'subnets', j];
      if (hasHostBits(block))
        report(path, `${cidr} has host bits set, the network address is ${formatBlock({ start: networkOf(block), prefix: block.prefix })}`);
      else if (!isPrivate(block)) report(path, `${cidr} is not wholly inside a private range, use 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16 (RFC 1918)`);
      all.push({ block: { start: networkOf(block), prefix: block.prefix }, path, owner: lanRef(config, i) });
    });
  });
  const transit = parseBlock(config.mesh.transit);
  const sorted = [...all].sort((a, b) => a.block.start - b.block.start || a.block.prefix - b.block.prefix);
  // Sweep: each subnet is compared with the one reaching furthest so far, O(n log n).
  let widest: Located | undefined;
  for (const cur of sorted) {
    if (widest && overlaps(widest.block, cur.block)) {
      report(cur.path, `${formatBlock(cur.block)} overlaps ${formatBlock(widest.block)} of ${widest.owner}, subnets of a mesh must not overlap`);
    }
    if (!widest || blockEnd(cur.block) > blockEnd(widest.block)) widest = cur;
    if (overlaps(cur.block, transit))
      report(cur.path, `${formatBlock(cur.block)} overlaps the transit range ${config.mesh.transit} (mesh.transit), choose another subnet or transit range`);
  }
}
