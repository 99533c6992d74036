import { availableParallelism } from 'node:os';
import { explainBundle, sameFiles, type GatewayChange, type Verdict } from '../change/compare.js';
import type { Reason } from '../change/reasons.js';
import { gunzipTarball, gzipTar, tarBundle } from '../pack/tarball.js';
import { filesOfTar } from '../pack/untar.js';
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
    const bundle = build.renderBundle(site);
    const judged = await judge(bundle, await sink.previous(site.name), revokedNames);
    if (judged.verdict !== 'unchanged' && sink.stage) await sink.stage(site.name, await gzipTar(judged.tar ?? (await tarBundle(bundle))));
    return { lan: site.name, verdict: judged.verdict, peers: peerNames(build, site), reasons: judged.reasons };
  });
}

interface Judgement {
  verdict: Exclude<Verdict, 'removed'>;
  reasons: Reason[];
  /** The new bundle's tar, when judging needed it. */
  tar?: Buffer;
}

/**
 * A bundle against the tarball out/ holds. The files are compared first:
 * when one differs the bundle changed, and packing waits until it is
 * written (plan never packs it). Only a bundle with the very same files is
 * packed to compare tar streams, so an unchanged tarball keeps its bytes
 * and is not even compressed again.
 */
async function judge(bundle: RenderedBundle, old: Buffer | undefined, revokedNames: Map<number, string>): Promise<Judgement> {
  if (old === undefined) return { verdict: 'new', reasons: [] };
  let oldTar: Buffer;
  let oldFiles;
  try {
    oldTar = await gunzipTarball(old);
    oldFiles = await filesOfTar(oldTar);
  } catch {
    return { verdict: 'changed', reasons: [{ kind: 'unreadable' }] };
  }
  if (!sameFiles(oldFiles, bundle.files)) return { verdict: 'changed', reasons: explainBundle(bundle, oldFiles, revokedNames) };
  const tar = await tarBundle(bundle);
  if (tar.equals(oldTar)) return { verdict: 'unchanged', reasons: [], tar };
  return { verdict: 'changed', reasons: explainBundle(bundle, oldFiles, revokedNames), tar };
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
