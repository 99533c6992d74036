import type { MeshState } from '../state/types.js';
import type { LansConfig } from '../validate/schema.js';
import { planOpenVpnBundle } from './openvpn.js';
import { planGatewayFiles } from './gateway.js';
import { buildTopology, type Topology } from './topology.js';
import type { BundlePlan } from './types.js';
import { planWireGuardBundle } from './wireguard.js';

/** Every gateway's bundle as data, in LAN-number order. */
export function planBundles(config: LansConfig, state: MeshState): { topology: Topology; bundles: BundlePlan[] } {
  const topology = buildTopology(config, state.public);
  const planOne = topology.backend === 'openvpn' ? planOpenVpnBundle : planWireGuardBundle;
  const bundles = topology.sites.map((site) => {
    const backendFiles = planOne(topology, state, site);
    return { lan: site.name, files: [...backendFiles, ...planGatewayFiles(topology, site, backendFiles)] };
  });
  return { topology, bundles };
}
