import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import { pack } from 'tar-stream';
import type { RenderedBundle } from '../render/render.js';

/** What packing reads of a bundle: its LAN and its files. */
export type PackedBundle = Pick<RenderedBundle, 'lan' | 'files'>;

/** Every entry's time: fixed, so the same bundle always packs to the same bytes. */
export const ENTRY_DATE = new Date('2020-01-01T00:00:00Z');
export const GZIP_LEVEL = 9;
/** zlib's output buffers: a bundle's .tar.gz (tens of kB) in one or two, its tar (hundreds) in one; fewer round trips to the main thread (measured). */
const GZIP_CHUNK = 64 * 1024;
const GUNZIP_CHUNK = 1024 * 1024;

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

/**
 * The uncompressed tar of `<lan>/...` entries, directories first within each
 * level, sorted by name, owned by root, with fixed times. Packed by
 * tar-stream directly: archiver's queue and stream layers on top of it cost
 * more than the packing itself (measured: 2.5× the CPU on a 100-LAN mesh).
 * test/pack.test.ts pins the format with the digest of one fixed bundle's
 * tar and has the system tar and Python's tarfile read it back.
 */
export function tarBundle(bundle: PackedBundle): Promise<Buffer> {
  const archive = pack();
  const chunks: Buffer[] = [];
  archive.on('data', (chunk) => void chunks.push(chunk as Buffer));
  const done = new Promise<Buffer>((resolve, reject) => {
    archive.on('end', () => resolve(Buffer.concat(chunks)));
    archive.on('error', reject);
  });
  for (const dir of directoriesOf(bundle)) {
    archive.entry({ name: `${bundle.lan}/${dir}`, type: 'directory', mode: 0o755, mtime: ENTRY_DATE });
  }
  const files = [...bundle.files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (const file of files) {
    archive.entry({ name: `${bundle.lan}/${file.path}`, mode: file.mode, mtime: ENTRY_DATE }, Buffer.from(file.content, 'utf8'));
  }
  archive.finalize();
  return done;
}

/**
 * Compresses a whole tar in one call, on libuv's thread pool: bundles
 * compress in parallel on every core. Deflate's output does not depend on
 * how its input or output was split, so this is the same bytes a streaming
 * gzip writes; a large output chunk only saves round trips to the main thread.
 */
export function gzipTar(tar: Buffer): Promise<Buffer> {
  return gzipAsync(tar, { level: GZIP_LEVEL, chunkSize: GZIP_CHUNK });
}

/** The tar stream inside a tarball; throws when it is not valid gzip. */
export function gunzipTarball(tarball: Buffer): Promise<Buffer> {
  return gunzipAsync(tarball, { chunkSize: GUNZIP_CHUNK });
}

/** The folder itself and every folder a file sits in, parents before children. */
function directoriesOf(bundle: PackedBundle): string[] {
  const dirs = new Set<string>(['']);
  for (const file of bundle.files) {
    for (let slash = file.path.indexOf('/'); slash !== -1; slash = file.path.indexOf('/', slash + 1)) dirs.add(file.path.slice(0, slash + 1));
  }
  return [...dirs].sort();
}
