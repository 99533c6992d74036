import { allGateways } from '../../model/gateways.js';
import type { Report } from '../../model/problems.js';
import type { LansConfig } from '../../model/schema.js';

/** `p2pvpn deploy` dials gateway.ssh.host, else the endpoint: a gateway with neither cannot be deployed. */
export function checkSsh(config: LansConfig, report: Report): void {
  for (const { id, gateway, path } of allGateways(config)) {
    if (gateway.ssh?.host !== undefined || gateway.endpoint !== undefined) continue;
    report(
      path,
      `${id} has neither an endpoint nor ssh.host, so p2pvpn deploy cannot reach it; add ssh: { host: ADDRESS } with an address the deploying machine reaches`,
      'warning',
    );
  }
}
