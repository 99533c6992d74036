import { readBundleTarball } from '../pack/untar.js';
import type { RenderedBundle } from '../render/render.js';
import type { PublicState } from '../state/types.js';
import { certificateExpiries, type Expiry } from './expiry.js';
import { explainChange, type Reason } from './reasons.js';
import { sameContent, summarizeBundle, withoutCommonParts, type BundleSummary, type BundleTexts } from './summary.js';

export const PLAN_VERSION = 1;

export type Verdict = 'new' | 'changed' | 'unchanged' | 'removed';

export interface GatewayChange {
  lan: string;
  verdict: Verdict;
  peers: string[];
  reasons: Reason[];
}

/** What generate would do (or did), as versioned data: `plan --json` prints it. */
export interface MeshPlan {
  version: typeof PLAN_VERSION;
  kind: 'p2pvpn-plan';
  mesh: string;
  gateways: GatewayChange[];
  stateChanged: boolean;
  expiries: Expiry[];
}

/** The plan of a run: each gateway's verdict, then the LANs whose bundles go. */
export function meshPlan(mesh: string, gateways: GatewayChange[], removed: string[], stateChanged: boolean, state: PublicState, now: Date): MeshPlan {
  const gone = removed.map((lan): GatewayChange => ({ lan, verdict: 'removed', peers: [], reasons: [] }));
  return { version: PLAN_VERSION, kind: 'p2pvpn-plan', mesh, gateways: [...gateways, ...gone], stateChanged, expiries: certificateExpiries(state, now) };
}

/**
 * Reasons from the two summaries, or the files that differ when no fact
 * explains the change. A tarball that cannot be read or summarised
 * (damaged, edited by hand) is just replaced.
 */
export async function explainBundle(bundle: RenderedBundle, old: Buffer, revokedNames: Map<number, string>): Promise<Reason[]> {
  const newFiles: BundleTexts = new Map(bundle.files.map((f) => [f.path, f.content]));
  let oldFiles: BundleTexts;
  let before: BundleSummary;
  let after: BundleSummary;
  try {
    oldFiles = new Map((await readBundleTarball(old)).map((f) => [f.path, f.content]));
    const [oldParts, newParts] = withoutCommonParts(oldFiles, newFiles);
    [before, after] = [summarizeBundle(bundle.lan, oldParts), summarizeBundle(bundle.lan, newParts)];
  } catch {
    return [{ kind: 'unreadable' }];
  }
  const reasons = explainChange(before, after, revokedNames);
  if (reasons.length > 0) return reasons;
  const paths = [...new Set([...oldFiles.keys(), ...newFiles.keys()])].filter((p) => !sameContent(oldFiles.get(p), newFiles.get(p))).sort();
  return paths.length > 0 ? [{ kind: 'files-changed', paths }] : [];
}

export function hasChanges(plan: MeshPlan): boolean {
  return plan.stateChanged || plan.gateways.some((g) => g.verdict !== 'unchanged');
}
