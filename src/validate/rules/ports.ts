import { allGateways } from '../../model/gateways.js';
import type { Report } from '../../model/problems.js';
import type { LansConfig } from '../../model/schema.js';

/** gateway.port is WireGuard's listen port with static routes; OpenVPN, and WireGuard under bgp, derive every port from the link number. */
export function checkPorts(config: LansConfig, report: Report): void {
  const { backend, routing } = config.mesh;
  if (backend === 'wireguard' && routing === 'static') return;
  for (const { gateway, path } of allGateways(config)) {
    const port = gateway.port;
    if (port === undefined) continue;
    const message =
      backend === 'openvpn'
        ? `port ${port} is only used by WireGuard, this mesh uses OpenVPN where link N listens on mesh.openvpn.portBase + N; remove it`
        : `port ${port} is not used under routing: bgp, where WireGuard link N listens on mesh.wireguard.port + N at both ends; remove it`;
    report([...path, 'port'], message, 'warning');
  }
}
