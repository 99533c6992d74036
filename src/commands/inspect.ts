import { type AllocationChanges, allocate } from '../allocate/allocate.js';
import { checkAllocation } from '../allocate/checkAllocation.js';
import { reportExpiries } from '../change/expiryWarnings.js';
import { defaultStateDir, readLansFile } from '../io/lansFile.js';
import { loadState } from '../io/stateStore.js';
import type { Problem } from '../model/problems.js';
import type { LansConfig } from '../model/schema.js';
import { buildTopology } from '../plan/topology.js';
import { buildView, type MeshView } from '../show/view.js';
import type { MeshState, PublicState } from '../state/types.js';
import { reporter, validateLans } from '../validate/validate.js';

/** A mesh as `generate` would see it, up to (not including) key generation: nothing is written. */
export interface InspectedMesh {
  config: LansConfig;
  stateDir: string;
  /** The saved state, or an empty one when the mesh was never generated. */
  saved: MeshState;
  stateExists: boolean;
  /** The numbering the next `generate` would use. */
  numbered: PublicState;
  changes: AllocationChanges;
}

/**
 * Runs every check `generate` runs before it creates keys: the input rules,
 * then the checks that need the saved numbering. Problems come back with the
 * same text and positions as `generate` prints.
 */
export function inspectMesh(file: string, stateOpt: string | undefined): { problems: Problem[]; mesh?: InspectedMesh } {
  const { config, source, problems } = validateLans(file, readLansFile(file));
  if (!config || !source) return { problems };
  const stateDir = stateOpt ?? defaultStateDir(file);
  const { state: saved, existed } = loadState(stateDir, config.mesh.name);
  const { state: numbered, changes } = allocate(config, saved.public);
  const before = problems.length;
  checkAllocation(config, numbered, reporter(source, problems));
  if (problems.slice(before).some((p) => p.severity === 'error')) return { problems };
  // The saved certificates' expiry, warned about as generate does.
  reportExpiries(config, numbered, new Date(), file, reporter(source, problems));
  return { problems, mesh: { config, stateDir, saved, stateExists: existed, numbered, changes } };
}

/** The table/graph view of an inspected mesh, numbered as the next generate would number it. */
export function viewOf(mesh: InspectedMesh): MeshView {
  return buildView({
    topology: buildTopology(mesh.config, mesh.numbered),
    stateExists: mesh.stateExists,
    savedLans: new Set(Object.keys(mesh.saved.public.lans)),
    savedPairs: new Set(mesh.saved.public.pairs.map((p) => p.number)),
    removedLans: mesh.changes.removedLans,
  });
}
