import { planAwsFile } from './aws.js';
import { planFirewallFiles } from './firewall.js';
import { planInstallFiles } from './install.js';
import { planRoutesFile } from './routes.js';
import { planSegmentFiles } from './segments.js';
import type { Site, Topology } from './topology.js';
import type { PlannedFile } from './types.js';

/**
 * What every bundle carries for the gateway's edge, whatever the backend:
 * firewall, LAN routes, the AWS script for a VPC, the L2 segments of a member, and the service that
 * installs it all. `backendFiles` are the tunnel files install.sh copies too.
 */
export function planGatewayFiles(topology: Topology, site: Site, backendFiles: PlannedFile[]): PlannedFile[] {
  const aws = planAwsFile(topology, site);
  const edge = [...planFirewallFiles(topology, site), planRoutesFile(topology, site), ...(aws ? [aws] : []), ...planSegmentFiles(topology, site)];
  return [...edge, ...planInstallFiles(topology, site, [...backendFiles, ...edge])];
}
