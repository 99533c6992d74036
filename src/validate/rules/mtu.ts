import { tunnelMtu } from '../../model/mtu.js';
import type { Report } from '../../model/problems.js';
import type { LansConfig } from '../../model/schema.js';

/** A legal underlay MTU can still leave a tunnel too small for IPv6 (RFC 8200 needs 1280). */
export function checkMtu(config: LansConfig, report: Report): void {
  const mtu = tunnelMtu(config.mesh.backend, config.mesh.underlayMtu);
  if (mtu < 1280) report(['mesh', 'underlayMtu'], `leaves a tunnel MTU of ${mtu}, below the 1280 IPv6 needs; raise it if the path allows`, 'warning');
}
