import type { LansConfig } from '../model/schema.js';
import type { MeshState } from '../state/types.js';
import { bundleFacts } from './facts.js';
import { planGatewayFiles } from './gateway.js';
import { openVpnTrust, planOpenVpnBundle } from './openvpn.js';
import { buildTopology, type Site, type Topology } from './topology.js';
import type { BundlePlan, PlannedFile } from './types.js';
import { planWireGuardBundle } from './wireguard.js';
import { planWireGuardBgpBundle } from './wireguardBgp.js';

export interface BundlePlanner {
  topology: Topology;
  /** One gateway's bundle as data: planned on demand, so a run holds only the bundles in flight. */
  planBundle(site: Site): BundlePlan;
  /** Only the tunnel files of that bundle (configs, keys, scripts, README), without the gateway's edge (firewall, routes, install). */
  planTunnelFiles(site: Site): BundlePlan;
}

/** The mesh's topology, and a planner for each gateway's bundle in it. */
export function bundlePlanner(config: LansConfig, state: MeshState): BundlePlanner {
  const topology = buildTopology(config, state.public);
  // The trust and revocation files of the whole mesh, made once: every OpenVPN bundle ships the same ones.
  const trust = topology.backend === 'openvpn' ? openVpnTrust(state) : undefined;
  const planWireGuard = topology.routing === 'bgp' ? planWireGuardBgpBundle : planWireGuardBundle;
  const planFiles = (site: Site): PlannedFile[] =>
    trust === undefined ? planWireGuard(topology, state, site) : planOpenVpnBundle(topology, state, site, trust);
  const facts = (site: Site) => (omit?: ReadonlySet<string>) => bundleFacts(topology, state, site, omit);
  const planBundle = (site: Site): BundlePlan => {
    const backendFiles = planFiles(site);
    return { lan: site.name, files: [...backendFiles, ...planGatewayFiles(topology, site, backendFiles)], facts: facts(site) };
  };
  return { topology, planBundle, planTunnelFiles: (site) => ({ lan: site.name, files: planFiles(site), facts: facts(site) }) };
}
