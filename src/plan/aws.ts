import { IPV4_PATTERN } from '../model/net.js';
import { remoteSubnets } from './routes.js';
import { peerOf, type Site, type Topology } from './topology.js';
import { MODE_SCRIPT, type PlannedFile } from './types.js';

/** One UDP ingress rule of the security group for a tunnel port. */
interface TunnelIngress {
  port: number;
  cidr: string;
  peer: string;
  /** Why the port is open to every address, when it is. */
  anywhere?: string;
}

/** aws.sh, for a LAN that is an AWS VPC: the gateway's own VPC only, never a peer's. */
export function planAwsFile(topology: Topology, site: Site): PlannedFile | undefined {
  const aws = site.aws;
  if (!aws) return undefined;
  const remote = remoteSubnets(topology, site);
  return {
    path: 'aws.sh',
    mode: MODE_SCRIPT,
    template: 'common/aws.sh',
    view: {
      mesh: topology.mesh,
      self: site.name,
      region: aws.region,
      instance: aws.instance,
      securityGroup: aws.securityGroup,
      routes: aws.routeTables.flatMap((table) => remote.map((r) => ({ table, cidr: r.cidr, peer: r.peer }))),
      tunnels: tunnelIngress(topology, site),
      lans: remote,
    },
  };
}

/** OpenVPN: each link's port from its peer. WireGuard: this gateway's one port from every peer. */
function tunnelIngress(topology: Topology, site: Site): TunnelIngress[] {
  const rules = topology.linksBySite.get(site.name)!.map((link): TunnelIngress => {
    const { peer } = peerOf(link, site.name);
    const port = topology.backend === 'openvpn' ? link.port : site.wgPort;
    if (peer.endpoint !== undefined && IPV4_PATTERN.test(peer.endpoint)) return { port, cidr: `${peer.endpoint}/32`, peer: peer.name };
    const anywhere = peer.endpoint === undefined ? `${peer.name} has no endpoint` : `${peer.name} is ${peer.endpoint}, a DNS name`;
    return { port, cidr: '0.0.0.0/0', peer: peer.name, anywhere };
  });
  return mergeSameRule(rules);
}

/** WireGuard peers share one port: one rule per (port, source), naming every peer it serves. */
function mergeSameRule(rules: TunnelIngress[]): TunnelIngress[] {
  const merged = new Map<string, TunnelIngress>();
  for (const rule of rules) {
    const key = `${rule.port} ${rule.cidr}`;
    const seen = merged.get(key);
    if (!seen) merged.set(key, { ...rule });
    else {
      seen.peer = `${seen.peer}, ${rule.peer}`;
      if (rule.anywhere) seen.anywhere = seen.anywhere ? `${seen.anywhere}; ${rule.anywhere}` : rule.anywhere;
    }
  }
  return [...merged.values()];
}
