import type { TarFile } from '../pack/untar.js';
import { carriesFacts } from '../plan/facts.js';
import type { BundleFile, RenderedBundle } from '../render/render.js';
import type { PublicState } from '../state/types.js';
import { certificateExpiries, type Expiry } from './expiry.js';
import { explainChange, type Reason } from './reasons.js';
import { type BundleTexts, sameContent, sharedPeers, summarizeOld } from './summary.js';

export const PLAN_VERSION = 1;

export type Verdict = 'new' | 'changed' | 'unchanged' | 'removed';

export interface GatewayChange {
  /** The bundle: its LAN's name, or <lan>-<gateway> for one of several gateways. */
  lan: string;
  /** Present for one of several gateways of a LAN. */
  of?: { lan: string; gateway: string };
  /** A removed bundle whose gateway goes on under another: its LAN went from one gateway to several, or back. */
  replacedBy?: string;
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

/** The plan of a run: each gateway's verdict, then the bundles that go; `renamed` says which of those go on under another name. */
export function meshPlan(
  mesh: string,
  gateways: GatewayChange[],
  removed: string[],
  stateChanged: boolean,
  state: PublicState,
  now: Date,
  renamed: { from: string; to: string }[] = [],
): MeshPlan {
  const to = new Map(renamed.map((r) => [r.from, r.to]));
  const gone = removed.map(
    (lan): GatewayChange =>
      to.has(lan) ? { lan, verdict: 'removed', peers: [], reasons: [], replacedBy: to.get(lan)! } : { lan, verdict: 'removed', peers: [], reasons: [] },
  );
  return { version: PLAN_VERSION, kind: 'p2pvpn-plan', mesh, gateways: [...gateways, ...gone], stateChanged, expiries: certificateExpiries(state, now) };
}

/**
 * Reasons from the two summaries, or the files that differ when no fact
 * explains the change. An old bundle that cannot be summarised (edited by
 * hand) is just replaced.
 */
export function explainBundle(bundle: RenderedBundle, old: TarFile[], revokedNames: Map<number, string>): Reason[] {
  const facts = explainFacts(bundle, old, revokedNames);
  if (facts.length > 0) return facts;
  const [oldFiles, newFiles] = [textsOf(old), textsOf(bundle.files)];
  const paths = [...new Set([...oldFiles.keys(), ...newFiles.keys()])].filter((p) => !sameContent(oldFiles.get(p), newFiles.get(p))).sort();
  return paths.length > 0 ? [{ kind: 'files-changed', paths }] : [];
}

/**
 * The reasons the facts of two versions of a bundle give: the plan's facts
 * of the new one, and those read from the old tarball's files. `bundle` may
 * hold only the files that carry facts (see carriesFacts).
 */
export function explainFacts(bundle: RenderedBundle, old: TarFile[], revokedNames: Map<number, string>): Reason[] {
  // Only the files facts are read from: the firewall rules and the README are most of a bundle's bytes.
  const [oldTexts, newTexts] = [textsOf(old.filter((f) => carriesFacts(f.path))), textsOf(bundle.files.filter((f) => carriesFacts(f.path)))];
  // Peers whose files are the same in both explain nothing: neither side works out their facts.
  const shared = sharedPeers(oldTexts, newTexts);
  const facts = bundle.facts(shared);
  try {
    return explainChange(summarizeOld(bundle.lan, oldTexts, newTexts, facts, shared), facts, revokedNames);
  } catch {
    return [{ kind: 'unreadable' }];
  }
}

function textsOf(files: { path: string; content: string | Buffer }[]): BundleTexts {
  return new Map(files.map((f) => [f.path, f.content]));
}

/** Whether an old bundle has exactly the new one's files: paths, modes and bytes. */
export function sameFiles(old: TarFile[], now: BundleFile[]): boolean {
  if (old.length !== now.length) return false;
  const byPath = new Map(old.map((f) => [f.path, f]));
  return now.every((f) => {
    const before = byPath.get(f.path);
    return before !== undefined && before.mode === f.mode && sameContent(before.content, f.content);
  });
}

export function hasChanges(plan: MeshPlan): boolean {
  return plan.stateChanged || plan.gateways.some((g) => g.verdict !== 'unchanged');
}
