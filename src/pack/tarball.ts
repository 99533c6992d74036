import { availableParallelism } from 'node:os';
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import archiver from 'archiver';
import type { RenderedBundle } from '../render/render.js';

/** Every entry's time: fixed, so the same bundle always packs to the same bytes. */
export const ENTRY_DATE = new Date('2020-01-01T00:00:00Z');
export const GZIP_LEVEL = 9;

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

/** Bundles in flight: enough to keep every core compressing while the next one is tarred. */
const PACK_CONCURRENCY = 2 * availableParallelism();

/**
 * Packs every bundle, in order, a few at a time: only the bundles in flight
 * hold their tar streams in memory. `previous` gives the tarball already on
 * disk for a LAN, read only when that bundle's turn comes.
 */
export async function packBundles(bundles: RenderedBundle[], previous: (lan: string) => Buffer | undefined): Promise<{ lan: string; bytes: Buffer }[]> {
  return inLanes(bundles, async (bundle) => ({ lan: bundle.lan, bytes: await repackBundle(bundle, previous(bundle.lan)) }));
}

/**
 * For `plan`, which writes nothing: each bundle's tarball already on disk
 * when the bundle packs to the very same tar, else the bundle's uncompressed
 * tar, which equals no .tar.gz. Compared byte for byte with what out/ holds,
 * these give generate's new/changed/unchanged verdicts without compressing.
 */
export function tarballsOrTars(bundles: RenderedBundle[], previous: (lan: string) => Buffer | undefined): Promise<Buffer[]> {
  return inLanes(bundles, async (bundle) => {
    const [tar, old] = [await tarBundle(bundle), previous(bundle.lan)];
    return old && (await tarOf(old))?.equals(tar) ? old : tar;
  });
}

/** Maps `items` through `fn` with PACK_CONCURRENCY calls in flight, results in order. */
async function inLanes<T, R>(items: T[], fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    for (let i = next++; i < items.length; i = next++) results[i] = await fn(items[i]!);
  };
  await Promise.all(Array.from({ length: Math.min(PACK_CONCURRENCY, items.length) }, lane));
  return results;
}

/** Packs a bundle into a .tar.gz. */
export async function packBundle(bundle: RenderedBundle): Promise<Buffer> {
  return gzipTar(await tarBundle(bundle));
}

/**
 * packBundle, but when `previous` (the tarball already on disk) holds exactly
 * the same tar stream it is returned as it is: checking costs a gunzip, far
 * less than compressing again.
 */
export async function repackBundle(bundle: RenderedBundle, previous: Buffer | undefined): Promise<Buffer> {
  const tar = await tarBundle(bundle);
  if (previous && (await tarOf(previous))?.equals(tar)) return previous;
  return gzipTar(tar);
}

/**
 * The uncompressed tar of `<lan>/...` entries, directories first within each
 * level, sorted by name, owned by root, with fixed times.
 */
export function tarBundle(bundle: RenderedBundle): Promise<Buffer> {
  const archive = archiver('tar');
  const chunks: Buffer[] = [];
  archive.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve, reject) => {
    archive.on('end', () => resolve(Buffer.concat(chunks)));
    archive.on('error', reject);
    archive.on('warning', reject);
  });
  for (const dir of directoriesOf(bundle)) {
    archive.append(Buffer.alloc(0), { name: `${bundle.lan}/${dir}`, mode: 0o755, date: ENTRY_DATE });
  }
  const files = [...bundle.files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (const file of files) {
    archive.append(Buffer.from(file.content, 'utf8'), { name: `${bundle.lan}/${file.path}`, mode: file.mode, date: ENTRY_DATE });
  }
  void archive.finalize();
  return done;
}

/**
 * Compresses a whole tar in one call, on libuv's thread pool: bundles
 * compress in parallel on every core. Deflate's output does not depend on
 * how its input was split, so this is the same bytes a streaming gzip writes.
 */
export function gzipTar(tar: Buffer): Promise<Buffer> {
  return gzipAsync(tar, { level: GZIP_LEVEL });
}

/** The tar stream inside a tarball, or undefined when it is not valid gzip. */
async function tarOf(tarball: Buffer): Promise<Buffer | undefined> {
  try {
    return await gunzipAsync(tarball);
  } catch {
    return undefined;
  }
}

/** The folder itself and every folder a file sits in, parents before children. */
function directoriesOf(bundle: RenderedBundle): string[] {
  const dirs = new Set<string>(['']);
  for (const file of bundle.files) {
    for (let slash = file.path.indexOf('/'); slash !== -1; slash = file.path.indexOf('/', slash + 1)) dirs.add(file.path.slice(0, slash + 1));
  }
  return [...dirs].sort();
}
