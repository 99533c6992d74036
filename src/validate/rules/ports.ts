import type { Report } from '../../model/problems.js';
import type { LansConfig } from '../../model/schema.js';

/** gateway.port is WireGuard's listen port; OpenVPN derives every port from portBase, so a set one does nothing. */
export function checkPorts(config: LansConfig, report: Report): void {
  if (config.mesh.backend !== 'openvpn') return;
  config.lans.forEach((lan, i) => {
    const port = lan.gateway.port;
    if (port === undefined) return;
    report(
      ['lans', i, 'gateway', 'port'],
      `port ${port} is only used by WireGuard, this mesh uses OpenVPN where link N listens on mesh.openvpn.portBase + N; remove it`,
      'warning',
    );
  });
}
