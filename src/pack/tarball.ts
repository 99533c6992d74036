import archiver from 'archiver';
import type { RenderedBundle } from '../render/render.js';

/** Every entry's time: fixed, so the same bundle always packs to the same bytes. */
export const ENTRY_DATE = new Date('2020-01-01T00:00:00Z');
export const GZIP_LEVEL = 9;

/**
 * Packs a bundle into `<lan>/...` entries, directories first within each
 * level, sorted by name, owned by root, with fixed times.
 */
export function packBundle(bundle: RenderedBundle): Promise<Buffer> {
  const archive = archiver('tar', { gzip: true, gzipOptions: { level: GZIP_LEVEL } });
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

/** The folder itself and every folder a file sits in, parents before children. */
function directoriesOf(bundle: RenderedBundle): string[] {
  const dirs = new Set<string>(['']);
  for (const file of bundle.files) {
    const parts = file.path.split('/').slice(0, -1);
    for (let i = 1; i <= parts.length; i++) dirs.add(`${parts.slice(0, i).join('/')}/`);
  }
  return [...dirs].sort();
}
