import { availableParallelism } from 'node:os';
import { explainBundle, type GatewayChange } from '../change/compare.js';
import { gzipTar, holdsTar, tarBundle } from '../pack/tarball.js';
import type { MeshBuild } from '../pipeline.js';
import { peerOf, type Site } from '../plan/topology.js';

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
 * The last stage: every gateway's bundle rendered, packed, compared with
 * the tarball out/ holds and, when it differs, explained and handed to the
 * sink. Returns one verdict per gateway, in LAN-number order.
 */
export async function emitBundles(build: MeshBuild, sink: BundleSink): Promise<GatewayChange[]> {
  const revokedNames = new Map(build.state.public.revoked.map((r) => [r.serial, r.name]));
  return inFlight(build.topology.sites, async (site) => {
    const bundle = build.renderBundle(site);
    const peers = peerNames(build, site);
    const [tar, old] = await Promise.all([tarBundle(bundle), sink.previous(site.name)]);
    // Equal tar streams: the tarball already there stays as it is, not even compressed again.
    if (old && (await holdsTar(old, tar))) return { lan: site.name, verdict: 'unchanged', peers, reasons: [] };
    const [reasons] = await Promise.all([old ? explainBundle(bundle, old, revokedNames) : [], sink.stage && gzipTar(tar).then((tarball) => sink.stage!(site.name, tarball))]);
    return { lan: site.name, verdict: old ? 'changed' : 'new', peers, reasons };
  });
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
