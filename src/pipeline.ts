import { type AllocationChanges, allocate } from './allocate/allocate.js';
import { checkAllocation } from './allocate/checkAllocation.js';
import type { KeySource } from './crypto/keys.js';
import { type KeyProgress, provisionMaterial } from './crypto/material.js';
import type { Report } from './model/problems.js';
import type { LansConfig } from './model/schema.js';
import { bundlePlanner } from './plan/bundles.js';
import { carriesFacts } from './plan/facts.js';
import type { Site, Topology } from './plan/topology.js';
import { type RenderedBundle, renderBundle } from './render/render.js';
import type { MeshState } from './state/types.js';

export interface MeshBuild {
  state: MeshState;
  changes: AllocationChanges;
  topology: Topology;
  /**
   * Plans and renders one gateway's bundle. Bundles are made when asked
   * for, not all at once: a 200-LAN OpenVPN mesh renders to gigabytes of
   * text, and a run should hold only the few bundles it is packing.
   */
  renderBundle(site: Site): RenderedBundle;
  /** Only the files of that bundle that carry facts, to compare with an old tarball's: what plan renders first. */
  renderFacts(site: Site): RenderedBundle;
}

/**
 * The core: validated input and the previous state in, the new state and a
 * renderer of every bundle out. Randomness and the clock come in as
 * arguments; nothing here touches the file system. Returns undefined when a
 * check that needs the allocation reported an error.
 */
export async function buildMesh(
  config: LansConfig,
  prev: MeshState,
  keys: KeySource,
  now: Date,
  report: Report,
  onProgress?: KeyProgress,
): Promise<MeshBuild | undefined> {
  const { state: numbered, changes } = allocate(config, prev.public);
  let failed = false;
  checkAllocation(config, numbered, (path, message, severity = 'error') => {
    if (severity === 'error') failed = true;
    report(path, message, severity);
  });
  if (failed) return undefined;
  const state = await provisionMaterial(config, numbered, prev.secrets, changes, keys, now, onProgress);
  const { topology, planBundle, planTunnelFiles } = bundlePlanner(config, state);
  const renderFacts = (site: Site): RenderedBundle => {
    const tunnel = planTunnelFiles(site);
    return renderBundle({ ...tunnel, files: tunnel.files.filter((f) => carriesFacts(f.path)) });
  };
  return { state, changes, topology, renderBundle: (site) => renderBundle(planBundle(site)), renderFacts };
}

/** Every bundle at once, in LAN-number order: for tests and small meshes, where holding them all is fine. */
export function renderAllBundles(build: MeshBuild): RenderedBundle[] {
  return build.topology.sites.map((site) => build.renderBundle(site));
}
