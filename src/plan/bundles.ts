import { meshCrl } from '../crypto/crl.js';
import type { MeshState } from '../state/types.js';
import type { LansConfig } from '../validate/schema.js';
import { planOpenVpnBundle } from './openvpn.js';
import { planGatewayFiles } from './gateway.js';
import { buildTopology, type Site, type Topology } from './topology.js';
import type { BundlePlan } from './types.js';
import { planWireGuardBundle } from './wireguard.js';

/** Every gateway's bundle as data, in LAN-number order. */
export function planBundles(config: LansConfig, state: MeshState): { topology: Topology; bundles: BundlePlan[] } {
  const topology = buildTopology(config, state.public);
  const crl = planCrl(topology, state);
  return { topology, bundles: topology.sites.map((site) => planSiteBundle(topology, state, site, crl)) };
}

/** One CRL for the whole mesh, signed once: every OpenVPN bundle ships the same file. WireGuard has none. */
export function planCrl(topology: Topology, state: MeshState): string | undefined {
  return topology.backend === 'openvpn' ? meshCrl(state.public, state.secrets.caKey)! : undefined;
}

/** One gateway's bundle as data: what a caller that renders and packs one bundle at a time plans. */
export function planSiteBundle(topology: Topology, state: MeshState, site: Site, crl: string | undefined): BundlePlan {
  const backendFiles = crl === undefined ? planWireGuardBundle(topology, state, site) : planOpenVpnBundle(topology, state, site, crl);
  return { lan: site.name, files: [...backendFiles, ...planGatewayFiles(topology, site, backendFiles)] };
}
