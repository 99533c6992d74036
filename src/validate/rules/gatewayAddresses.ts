import { allGateways } from '../../model/gateways.js';
import { blockSize, containsIp, ipToInt, networkOf, parseBlock, specialUse } from '../../model/net.js';
import type { Report } from '../../model/problems.js';
import type { LansConfig } from '../../model/schema.js';

/** Each gateway's LAN address is a usable host address of one of its own LAN's subnets. */
export function checkGatewayAddresses(config: LansConfig, report: Report): void {
  const transit = parseBlock(config.mesh.transit);
  for (const { lan, gateway, path: at } of allGateways(config)) {
    const path = [...at, 'lanAddress'];
    const address = gateway.lanAddress;
    const ip = ipToInt(address);
    // Compared with each subnet's network, so a subnet written with host bits (reported elsewhere) does not mislead.
    const home = lan.subnets
      .map(parseBlock)
      .map((b) => ({ start: networkOf(b), prefix: b.prefix }))
      .find((b) => containsIp(b, ip));
    if (!home) report(path, `${address} is not inside any subnet of ${lan.name} (${lan.subnets.join(', ')}), give the gateway's address on its own LAN`);
    else if (blockSize(home) > 2 && (ip === home.start || ip === home.start + blockSize(home) - 1)) {
      report(path, `${address} is the network or broadcast address of its subnet, give a host address`);
    }
    const listen = gateway.listen;
    if (listen === undefined) continue;
    const listenPath = [...at, 'listen'];
    const special = specialUse(listen);
    if (special) report(listenPath, `${listen} is ${special}, tunnels cannot listen there; give an address of the gateway's outside interface`);
    else if (containsIp(transit, ipToInt(listen)))
      report(listenPath, `${listen} is inside the transit range ${config.mesh.transit}, give an address of the gateway's outside interface`);
  }
}
