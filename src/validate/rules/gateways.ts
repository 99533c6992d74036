import { lanGateways, linkCount } from '../../model/gateways.js';
import { IFNAMSIZ, openvpnDevice, wireguardNameProblem } from '../../model/names.js';
import { type Block, blockSize, containsIp, ipToInt, networkOf, parseBlock } from '../../model/net.js';
import type { Report } from '../../model/problems.js';
import type { Lan, LansConfig } from '../../model/schema.js';

/** LANs with several gateways: only under bgp, with a VIP of their own in the gateways' subnet; names that fit. */
export function checkGateways(config: LansConfig, report: Report): void {
  config.lans.forEach((lan, i) => {
    if (lan.gateways === undefined) {
      if (lan.vip !== undefined)
        report(['lans', i, 'vip'], `a vip is for a LAN with several gateways, and ${lan.name} has one; remove it, or list its gateways under "gateways"`);
      return;
    }
    if (config.mesh.routing !== 'bgp')
      report(
        ['lans', i, 'gateways'],
        `several gateways per LAN need mesh.routing: bgp (BIRD learns which one carries the LAN); set it, or give ${lan.name} one gateway`,
      );
    if (lan.vip === undefined)
      report(
        ['lans', i, 'vip'],
        `required field "vip" is missing: the address in ${lan.name} that its hosts route the other LANs through, held by one gateway at a time; add it`,
      );
    else checkVip(lan, i, lan.vip, report);
    const seen = new Map<string, string>();
    for (const g of lanGateways(lan, i)) {
      const other = seen.get(g.gateway.lanAddress);
      if (other !== undefined)
        report([...g.path, 'lanAddress'], `${g.gateway.lanAddress} is also the lanAddress of gateway ${other}, each gateway needs its own`);
      seen.set(g.gateway.lanAddress, g.name!);
      if (g.gateway.aws !== undefined)
        report(
          [...g.path, 'aws'],
          'a VIP cannot move between instances of an AWS VPC (the VPC routes by instance, not by address),' +
            ' so a LAN with several gateways cannot use aws; remove it',
        );
    }
  });
  checkInterfaceNames(config, report);
}

/** The VIP is a host address of the LAN, of none of its gateways, in the one subnet where all of them sit. */
function checkVip(lan: Lan, i: number, vip: string, report: Report): void {
  const path = ['lans', i, 'vip'];
  const ip = ipToInt(vip);
  const subnetOf = (address: number): Block | undefined =>
    lan.subnets
      .map(parseBlock)
      .map((b) => ({ start: networkOf(b), prefix: b.prefix }))
      .find((b) => containsIp(b, address));
  const home = subnetOf(ip);
  if (!home) {
    report(path, `${vip} is not inside any subnet of ${lan.name} (${lan.subnets.join(', ')}), give an unused address of its LAN`);
    return;
  }
  if (blockSize(home) > 2 && (ip === home.start || ip === home.start + blockSize(home) - 1)) {
    report(path, `${vip} is the network or broadcast address of its subnet, give a host address`);
    return;
  }
  for (const g of lanGateways(lan, i)) {
    const address = g.gateway.lanAddress;
    if (address === vip) report(path, `${vip} is the lanAddress of gateway ${g.name}; the VIP must be an address of its own, which moves between the gateways`);
    const theirs = subnetOf(ipToInt(address));
    if (theirs && theirs.start !== home.start)
      report(
        [...g.path, 'lanAddress'],
        `${address} is not in ${vip}'s subnet; VRRP moves the VIP within one segment, so give every gateway an address in the VIP's subnet`,
      );
  }
}

/** OpenVPN names a link's device after the peer gateway; WireGuard under bgp after the mesh and the link number. */
function checkInterfaceNames(config: LansConfig, report: Report): void {
  if (config.mesh.backend === 'openvpn') {
    config.lans.forEach((lan, i) => {
      if (lan.gateways === undefined) return;
      for (const g of lanGateways(lan, i)) {
        const device = openvpnDevice(g.id);
        if (device.length > IFNAMSIZ)
          report(
            [...g.path, 'name'],
            `the OpenVPN device of the links to ${g.id}, ${device}, would be ${device.length} characters, over Linux's ${IFNAMSIZ};` +
              ` shorten the LAN or gateway name (at most ${IFNAMSIZ - 5} characters for both)`,
          );
      }
    });
    return;
  }
  if (config.mesh.routing !== 'bgp') return;
  // Links are numbered at least up to their count; the state's own numbers are checked once allocated (checkAllocation).
  const problem = wireguardNameProblem(config.mesh.name, linkCount(config));
  if (problem) report(['mesh', 'name'], problem);
}
