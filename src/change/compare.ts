import type { MeshBuild } from '../pipeline.js';
import { readBundleTarball } from '../pack/untar.js';
import { peerOf, type Topology } from '../plan/topology.js';
import type { BundleFile } from '../render/render.js';
import type { PublicState } from '../state/types.js';
import { certificateExpiries, type Expiry } from './expiry.js';
import { explainChange, type Reason } from './reasons.js';
import { summarizeBundle } from './summary.js';

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

export interface CompareInput {
  topology: Topology;
  /** Each gateway's new bundle: its files and its packed bytes. */
  bundles: { lan: string; files: BundleFile[]; bytes: Buffer }[];
  /** The tarball already in out/ for each LAN, if any. */
  previous: Map<string, Buffer | undefined>;
  removed: string[];
  stateChanged: boolean;
  state: PublicState;
  now: Date;
}

/** Compares the new bundles with the tarballs already written, gateway by gateway. */
export async function compareMesh(input: CompareInput): Promise<MeshPlan> {
  const revokedNames = new Map(input.state.revoked.map((r) => [r.serial, r.name]));
  const gateways: GatewayChange[] = [];
  for (const bundle of input.bundles) {
    const peers = input.topology.linksBySite.get(bundle.lan)!.map((link) => peerOf(link, bundle.lan).peer.name);
    const old = input.previous.get(bundle.lan);
    if (!old) gateways.push({ lan: bundle.lan, verdict: 'new', peers, reasons: [] });
    else if (old.equals(bundle.bytes)) gateways.push({ lan: bundle.lan, verdict: 'unchanged', peers, reasons: [] });
    else gateways.push({ lan: bundle.lan, verdict: 'changed', peers, reasons: await explainBundle(bundle, old, revokedNames) });
  }
  for (const lan of input.removed) gateways.push({ lan, verdict: 'removed', peers: [], reasons: [] });
  return { version: PLAN_VERSION, kind: 'p2pvpn-plan', mesh: input.topology.mesh, gateways, stateChanged: input.stateChanged, expiries: certificateExpiries(input.state, input.now) };
}

/** Reasons from the two summaries; a tarball that cannot be read or summarised (damaged, edited by hand) is just replaced. */
async function explainBundle(bundle: CompareInput['bundles'][number], old: Buffer, revokedNames: Map<number, string>): Promise<Reason[]> {
  let before;
  try {
    before = summarizeBundle(bundle.lan, new Map((await readBundleTarball(old)).map((f) => [f.path, f.content.toString('utf8')])));
  } catch {
    return [{ kind: 'unreadable' }];
  }
  const after = summarizeBundle(bundle.lan, new Map(bundle.files.map((f) => [f.path, f.content])));
  return explainChange(before, after, revokedNames);
}

export function hasChanges(plan: MeshPlan): boolean {
  return plan.stateChanged || plan.gateways.some((g) => g.verdict !== 'unchanged');
}

/** The plan of a build from the pipeline, given the packed tarballs, what out/ held before and the LANs whose bundles go. */
export function planOfBuild(build: MeshBuild, tarballs: Buffer[], previous: Map<string, Buffer | undefined>, removed: string[], stateChanged: boolean, now: Date): Promise<MeshPlan> {
  const bundles = build.bundles.map((b, i) => ({ lan: b.lan, files: b.files, bytes: tarballs[i]! }));
  return compareMesh({ topology: build.topology, bundles, previous, removed, stateChanged, state: build.state.public, now });
}
