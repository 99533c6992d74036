import { existsSync, mkdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { readIfExists, writeFileAtomic } from './files.js';

/**
 * Writes each tarball whose bytes differ from what is already there, mode
 * 0600 since it holds private keys, and deletes the tarballs of LANs that
 * left the mesh. Returns what happened to each written LAN.
 */
export function writeBundles(outDir: string, tarballs: { lan: string; bytes: Buffer }[], removed: string[]): Map<string, 'new' | 'changed'> {
  if (!existsSync(outDir)) mkdirSync(outDir, { recursive: true, mode: 0o700 });
  const written = new Map<string, 'new' | 'changed'>();
  for (const { lan, bytes } of tarballs) {
    const path = join(outDir, `${lan}.tar.gz`);
    const old = readIfExists(path);
    if (old?.equals(bytes)) continue;
    writeFileAtomic(path, bytes, 0o600);
    written.set(lan, old ? 'changed' : 'new');
  }
  for (const lan of removed) {
    const path = join(outDir, `${lan}.tar.gz`);
    if (existsSync(path)) unlinkSync(path);
  }
  return written;
}

/** The tarballs already in the output folder, by LAN; undefined where there is none. */
export function readBundles(outDir: string, lans: string[]): Map<string, Buffer | undefined> {
  return new Map(lans.map((lan) => [lan, readIfExists(join(outDir, `${lan}.tar.gz`))]));
}
