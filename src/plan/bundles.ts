import { meshCrl } from '../crypto/crl.js';
import type { MeshState } from '../state/types.js';
import type { LansConfig } from '../validate/schema.js';
import { planOpenVpnBundle } from './openvpn.js';
import { planGatewayFiles } from './gateway.js';
import { buildTopology, type Site, type Topology } from './topology.js';
import type { BundlePlan, PlannedFile } from './types.js';
import { planWireGuardBundle } from './wireguard.js';

/** Every gateway's bundle as data, in LAN-number order. */
export function planBundles(config: LansConfig, state: MeshState): { topology: Topology; bundles: BundlePlan[] } {
  const topology = buildTopology(config, state.public);
  // One CRL for the whole mesh, signed once: every OpenVPN bundle ships the same file.
  const crl = topology.backend === 'openvpn' ? meshCrl(state.public, state.secrets.caKey)! : undefined;
  const planOne = (site: Site): PlannedFile[] => (crl === undefined ? planWireGuardBundle(topology, state, site) : planOpenVpnBundle(topology, state, site, crl));
  const bundles = topology.sites.map((site) => {
    const backendFiles = planOne(site);
    return { lan: site.name, files: [...backendFiles, ...planGatewayFiles(topology, site, backendFiles)] };
  });
  return { topology, bundles };
}
