import type { Report } from '../../model/problems.js';
import type { LansConfig } from '../../model/schema.js';

/** `p2pvpn deploy` dials gateway.ssh.host, else the endpoint: a gateway with neither cannot be deployed. */
export function checkSsh(config: LansConfig, report: Report): void {
  config.lans.forEach((lan, i) => {
    const gateway = lan.gateway;
    if (gateway.ssh?.host !== undefined || gateway.endpoint !== undefined) return;
    report(
      ['lans', i, 'gateway'],
      `${lan.name} has neither an endpoint nor ssh.host, so p2pvpn deploy cannot reach it;` +
        ' add ssh: { host: ADDRESS } with an address the deploying machine reaches',
      'warning',
    );
  });
}
