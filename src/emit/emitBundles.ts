import { availableParallelism } from 'node:os';
import { explainBundle, explainFacts, type GatewayChange, sameFiles, type Verdict } from '../change/compare.js';
import type { Reason } from '../change/reasons.js';
import { gunzipTarball, gzipTar, tarBundle } from '../pack/tarball.js';
import { filesOfTar, type TarFile } from '../pack/untar.js';
import type { MeshBuild } from '../pipeline.js';
import { peerOf, type Site } from '../plan/topology.js';
import type { RenderedBundle } from '../render/render.js';

/** Where the bundles go: what out/ holds now, and (for generate) where a new tarball is staged. */
export interface BundleSink {
  /** The tarball out/ holds for a LAN, if any. */
  previous(lan: string): Promise<Buffer | undefined>;
  /** Takes a new or changed tarball. Absent for `plan`, which compresses and writes nothing. */
  stage?(lan: string, tarball: Buffer): Promise<void>;
}

/**
 * Bundles in flight. While one is being rendered on the main thread, the
 * others are compressed on the thread pool, so every core works; only these
 * few bundles are ever held in memory.
 */
const IN_FLIGHT = 2 * availableParallelism();

/**
 * The last stage: every gateway's bundle rendered, compared with the
 * tarball out/ holds and, when it differs, explained, packed and handed to
 * the sink. Returns one verdict per gateway, in LAN-number order.
 */
export async function emitBundles(build: MeshBuild, sink: BundleSink): Promise<GatewayChange[]> {
  const revokedNames = new Map(build.state.public.revoked.map((r) => [r.serial, r.name]));
  return inFlight(build.topology.sites, async (site) => {
    const old = await readOld(await sink.previous(site.name));
    const judged = (!sink.stage && judgeForPlan(build, site, old, revokedNames)) || (await judgeAndStage(build.renderBundle(site), old, sink, revokedNames));
    const change: GatewayChange = { lan: site.name, verdict: judged.verdict, peers: peerNames(build, site), reasons: judged.reasons };
    // One of several gateways of a LAN: which LAN, and which of its gateways.
    return site.gateway === undefined ? change : { ...change, of: { lan: site.lan, gateway: site.gateway } };
  });
}

interface Judgement {
  verdict: Exclude<Verdict, 'removed'>;
  reasons: Reason[];
}

/** What out/ holds for a LAN: nothing, a tarball that cannot be read, or its tar stream and files. */
type OldBundle = undefined | 'unreadable' | { tar: Buffer; files: TarFile[] };

async function readOld(tarball: Buffer | undefined): Promise<OldBundle> {
  if (tarball === undefined) return undefined;
  try {
    const tar = await gunzipTarball(tarball);
    return { tar, files: await filesOfTar(tar) };
  } catch {
    return 'unreadable';
  }
}

/**
 * For plan, which writes nothing: a new bundle is new whatever it holds,
 * and when the tunnel files alone already tell why a bundle changed, the
 * rest of it (firewall, routes, install scripts, most of its bytes) is never
 * rendered. Undefined when they do not tell.
 */
function judgeForPlan(build: MeshBuild, site: Site, old: OldBundle, revokedNames: Map<number, string>): Judgement | undefined {
  if (old === undefined) return { verdict: 'new', reasons: [] };
  if (old === 'unreadable') return undefined;
  const reasons = explainFacts(build.renderFacts(site), old.files, revokedNames);
  return reasons.length > 0 ? { verdict: 'changed', reasons } : undefined;
}

/**
 * A whole bundle against what out/ holds, staged when it differs. The
 * files are compared first: when one differs the bundle changed, and it is
 * packed only to be written. A bundle with the very same files is packed to
 * compare tar streams, so an unchanged tarball keeps its bytes and is not
 * even compressed again.
 */
async function judgeAndStage(bundle: RenderedBundle, old: OldBundle, sink: BundleSink, revokedNames: Map<number, string>): Promise<Judgement> {
  const sameFilesAsOld = typeof old === 'object' && sameFiles(old.files, bundle.files);
  const tar = sameFilesAsOld || sink.stage ? await tarBundle(bundle) : undefined;
  if (sameFilesAsOld && tar!.equals(old.tar)) return { verdict: 'unchanged', reasons: [] };
  // The thread pool compresses while this thread works out why the bundle changed.
  const staged = sink.stage && gzipTar(tar!).then((tarball) => sink.stage!(bundle.lan, tarball));
  const judged: Judgement =
    old === undefined
      ? { verdict: 'new', reasons: [] }
      : { verdict: 'changed', reasons: old === 'unreadable' ? [{ kind: 'unreadable' }] : explainBundle(bundle, old.files, revokedNames) };
  await staged;
  return judged;
}

function peerNames(build: MeshBuild, site: Site): string[] {
  return build.topology.linksBySite.get(site.name)!.map((link) => peerOf(link, site.name).peer.name);
}

/** Maps `items` through `fn` with IN_FLIGHT calls under way at once; results in order. */
async function inFlight<T, R>(items: T[], fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    for (let i = next++; i < items.length; i = next++) results[i] = await fn(items[i]!);
  };
  await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, items.length) }, lane));
  return results;
}
