import { type Block, containsIp, IPV4_PATTERN, ipToInt, parseBlock, specialUse } from '../../model/net.js';
import type { Report } from '../../model/problems.js';
import type { LansConfig } from '../../model/schema.js';

/** Endpoints are dialable, do not loop into the mesh, are not shared, and every pair has at least one end to dial. */
export function checkEndpoints(config: LansConfig, report: Report): void {
  checkEveryPairCanStart(config, report);
  // Parsed once, not once per endpoint: a 200-LAN mesh would parse 50,000 subnets.
  const subnets = config.lans.flatMap((l) => l.subnets.map((cidr) => ({ lan: l.name, cidr, block: parseBlock(cidr) })));
  config.lans.forEach((lan, i) => {
    const endpoint = lan.gateway.endpoint;
    if (endpoint !== undefined) checkEndpointAddress(config, subnets, endpoint, ['lans', i, 'gateway', 'endpoint'], report);
  });
  checkSharedEndpoints(config, report);
}

/** Two gateways that both wait to be dialled can never start their tunnel. */
function checkEveryPairCanStart(config: LansConfig, report: Report): void {
  let firstWithout: number | undefined;
  config.lans.forEach((lan, i) => {
    if (lan.gateway.endpoint !== undefined) return;
    if (firstWithout === undefined) firstWithout = i;
    else {
      const other = config.lans[firstWithout]!.name;
      report(['lans', i, 'gateway'], `neither ${other} nor ${lan.name} has an endpoint, so no tunnel can start between them; give one of them an endpoint`);
    }
  });
}

/** An endpoint inside the mesh itself, or one no packet can be sent to, would loop or go nowhere. */
function checkEndpointAddress(
  config: LansConfig,
  subnets: { lan: string; cidr: string; block: Block }[],
  endpoint: string,
  path: (string | number)[],
  report: Report,
): void {
  if (!IPV4_PATTERN.test(endpoint)) {
    if (/(^|\.)localhost$/i.test(endpoint)) report(path, `"${endpoint}" always means the gateway itself (RFC 6761), give the name peers use to reach it`);
    return;
  }
  const special = specialUse(endpoint);
  if (special) report(path, `${endpoint} is ${special}, peers cannot dial it; give the gateway's public address`);
  const ip = ipToInt(endpoint);
  const inside = subnets.find((s) => containsIp(s.block, ip));
  if (inside) report(path, `${endpoint} is inside ${inside.cidr} of ${inside.lan}, tunnels would loop through themselves; give the gateway's public address`);
  if (containsIp(parseBlock(config.mesh.transit), ip))
    report(path, `${endpoint} is inside the transit range ${config.mesh.transit}, give the gateway's public address`);
}

/**
 * WireGuard: two gateways behind one address need different ports. OpenVPN: the
 * link between them would use one port at the same address on both ends.
 */
function checkSharedEndpoints(config: LansConfig, report: Report): void {
  const seen = new Map<string, number>();
  config.lans.forEach((lan, i) => {
    const endpoint = lan.gateway.endpoint;
    if (endpoint === undefined) return;
    const wireguard = config.mesh.backend === 'wireguard';
    const port = lan.gateway.port ?? config.mesh.wireguard.port;
    const key = wireguard ? `${endpoint.toLowerCase()}:${port}` : endpoint.toLowerCase();
    const first = seen.get(key);
    if (first === undefined) {
      seen.set(key, i);
      return;
    }
    const other = config.lans[first]!.name;
    const path = ['lans', i, 'gateway', 'endpoint'];
    if (wireguard) report(path, `${endpoint} port ${port} is already used by ${other}, give this gateway another endpoint or its own gateway.port`);
    else
      report(
        path,
        `${endpoint} is also the endpoint of ${other}, and with OpenVPN the tunnel between them would use one port` +
          ' at one address for both ends; give each gateway its own endpoint',
      );
  });
}
