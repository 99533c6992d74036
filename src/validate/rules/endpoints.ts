import { IPV4_PATTERN, containsIp, ipToInt, parseBlock } from '../../model/net.js';
import type { LansConfig } from '../schema.js';
import type { Report } from './index.js';

/** Endpoints do not loop into the mesh, are not shared, and every pair has at least one end to dial. */
export function checkEndpoints(config: LansConfig, report: Report): void {
  const transit = parseBlock(config.mesh.transit);
  const subnets = config.lans.flatMap((lan) => lan.subnets.map((s) => ({ lan: lan.name, cidr: s, block: parseBlock(s) })));
  const seen = new Map<string, number>();
  let firstWithout: number | undefined;
  config.lans.forEach((lan, i) => {
    const path = ['lans', i, 'gateway', 'endpoint'];
    const endpoint = lan.gateway.endpoint;
    if (endpoint === undefined) {
      if (firstWithout === undefined) firstWithout = i;
      else {
        const other = config.lans[firstWithout]!.name;
        report(['lans', i, 'gateway'], `neither ${other} nor ${lan.name} has an endpoint, so no tunnel can start between them; give one of them an endpoint`);
      }
      return;
    }
    if (IPV4_PATTERN.test(endpoint)) {
      const ip = ipToInt(endpoint);
      const inside = subnets.find((s) => containsIp(s.block, ip));
      if (inside) report(path, `${endpoint} is inside ${inside.cidr} of ${inside.lan}, tunnels would loop through themselves; give the gateway's public address`);
      if (containsIp(transit, ip)) report(path, `${endpoint} is inside the transit range ${config.mesh.transit}, give the gateway's public address`);
    }
    if (config.mesh.backend === 'wireguard') {
      const port = lan.gateway.port ?? config.mesh.wireguard.port;
      const key = `${endpoint.toLowerCase()}:${port}`;
      const first = seen.get(key);
      if (first === undefined) seen.set(key, i);
      else report(path, `${endpoint} port ${port} is already used by ${config.lans[first]!.name}, give this gateway another endpoint or its own gateway.port`);
    }
  });
}
