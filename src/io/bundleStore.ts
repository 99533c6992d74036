import { existsSync, mkdirSync, readdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { readIfExists, replaceFile, syncDir } from './files.js';

/**
 * Writes each tarball whose bytes differ from what is already there, mode
 * 0600 since it holds private keys, and deletes the tarballs of LANs that
 * left the mesh. Returns what happened to each written LAN. Files are written
 * concurrently and the folder is flushed once, after every rename.
 */
export async function writeBundles(outDir: string, tarballs: { lan: string; bytes: Buffer }[], removed: string[]): Promise<Map<string, 'new' | 'changed'>> {
  if (!existsSync(outDir)) mkdirSync(outDir, { recursive: true, mode: 0o700 });
  // Temporary files of a run killed mid-write; the caller holds the state lock, so no run is writing them.
  for (const name of readdirSync(outDir)) if (/\.tar\.gz\.tmp-\d+$/.test(name)) unlinkSync(join(outDir, name));
  const written = new Map<string, 'new' | 'changed'>();
  await Promise.all(
    tarballs.map(async ({ lan, bytes }) => {
      const path = join(outDir, `${lan}.tar.gz`);
      const old = readIfExists(path);
      if (old?.equals(bytes)) return;
      await replaceFile(path, bytes, 0o600);
      written.set(lan, old ? 'changed' : 'new');
    }),
  );
  for (const lan of removed) {
    const path = join(outDir, `${lan}.tar.gz`);
    if (existsSync(path)) unlinkSync(path);
  }
  if (written.size > 0 || removed.length > 0) syncDir(outDir);
  return written;
}

/** The tarballs already in the output folder, by LAN; undefined where there is none. */
export function readBundles(outDir: string, lans: string[]): Map<string, Buffer | undefined> {
  return new Map(lans.map((lan) => [lan, readIfExists(join(outDir, `${lan}.tar.gz`))]));
}
