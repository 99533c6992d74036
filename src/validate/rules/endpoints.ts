import { allGateways, type LanGateway } from '../../model/gateways.js';
import { type Block, containsIp, IPV4_PATTERN, ipToInt, parseBlock, specialUse } from '../../model/net.js';
import type { Report } from '../../model/problems.js';
import type { LansConfig } from '../../model/schema.js';

/** Endpoints are dialable, do not loop into the mesh, are not shared, and every link has at least one end to dial. */
export function checkEndpoints(config: LansConfig, report: Report): void {
  const gateways = allGateways(config);
  checkEveryLinkCanStart(gateways, report);
  // Parsed once, not once per endpoint: a 200-LAN mesh would parse 50,000 subnets.
  const subnets = config.lans.flatMap((l) => l.subnets.map((cidr) => ({ lan: l.name, cidr, block: parseBlock(cidr) })));
  for (const g of gateways) {
    const endpoint = g.gateway.endpoint;
    if (endpoint !== undefined) checkEndpointAddress(config, subnets, endpoint, [...g.path, 'endpoint'], report);
  }
  checkSharedEndpoints(config, gateways, report);
}

/** Two gateways that both wait to be dialled can never start the tunnel between them (gateways of one LAN have none). */
function checkEveryLinkCanStart(gateways: LanGateway[], report: Report): void {
  let first: LanGateway | undefined;
  for (const g of gateways) {
    if (g.gateway.endpoint !== undefined) continue;
    if (first === undefined) first = g;
    else if (first.lan !== g.lan)
      report(g.path, `neither ${first.id} nor ${g.id} has an endpoint, so no tunnel can start between them; give one of them an endpoint`);
  }
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
 * WireGuard with static routes: two gateways behind one address need different
 * ports. OpenVPN, and WireGuard under bgp, give a link one port at both ends, so
 * the link between two gateways behind one address would use one port twice.
 */
function checkSharedEndpoints(config: LansConfig, gateways: LanGateway[], report: Report): void {
  const seen = new Map<string, LanGateway>();
  const perGateway = config.mesh.backend === 'wireguard' && config.mesh.routing === 'static';
  for (const g of gateways) {
    const endpoint = g.gateway.endpoint;
    if (endpoint === undefined) continue;
    const port = g.gateway.port ?? config.mesh.wireguard.port;
    const key = perGateway ? `${endpoint.toLowerCase()}:${port}` : endpoint.toLowerCase();
    const first = seen.get(key);
    if (first === undefined) {
      seen.set(key, g);
      continue;
    }
    const path = [...g.path, 'endpoint'];
    if (first.lan === g.lan)
      report(
        path,
        `${endpoint} is also the endpoint of ${first.id}, another gateway of ${g.lan.name}:` +
          ' one address for both means one failure for both; give each gateway its own endpoint',
      );
    else if (perGateway) report(path, `${endpoint} port ${port} is already used by ${first.id}, give this gateway another endpoint or its own gateway.port`);
    else if (config.mesh.backend === 'openvpn')
      report(
        path,
        `${endpoint} is also the endpoint of ${first.id}, and with OpenVPN the tunnel between them would use one port at one address for both ends;` +
          ' give each gateway its own endpoint',
      );
    else
      report(
        path,
        `${endpoint} is also the endpoint of ${first.id}; under routing: bgp each link uses one port at both ends, so give each gateway its own endpoint`,
      );
  }
}
