import { existsSync, mkdirSync, readdirSync, renameSync, unlinkSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { syncDir } from './files.js';

/**
 * The output folder as generate uses it: new tarballs are staged beside the
 * old ones as they are packed, and take their place only at commit, so a run
 * that fails part way leaves out/ as it found it.
 */
export interface BundleStore {
  /** The tarball out/ holds for a LAN, if any. */
  previous(lan: string): Promise<Buffer | undefined>;
  /** Whether out/ holds a tarball for a LAN. */
  holds(lan: string): boolean;
  /** Writes and flushes a LAN's next tarball, mode 0600 since it holds private keys, under a temporary name. */
  stage(lan: string, tarball: Buffer): Promise<void>;
  /** Moves every staged tarball into place, deletes the tarballs of LANs that left, flushes the folder. */
  commit(removed: string[]): void;
  /** Deletes what was staged: the run failed. */
  discard(): void;
}

export function bundleStore(outDir: string): BundleStore {
  const staged: string[] = [];
  const path = (lan: string): string => join(outDir, `${lan}.tar.gz`);
  const temporary = (lan: string): string => `${path(lan)}.tmp-${process.pid}`;
  return {
    previous: (lan) => readIfThere(path(lan)),
    holds: (lan) => existsSync(path(lan)),
    async stage(lan, tarball) {
      if (staged.length === 0) prepareFolder(outDir);
      staged.push(lan);
      await writeFile(temporary(lan), tarball, { mode: 0o600, flush: true });
    },
    commit(removed) {
      if (staged.length === 0 && existsSync(outDir)) prepareFolder(outDir);
      for (const lan of staged) renameSync(temporary(lan), path(lan));
      for (const lan of removed) if (existsSync(path(lan))) unlinkSync(path(lan));
      if (staged.length > 0 || removed.length > 0) syncDir(outDir);
    },
    discard() {
      for (const lan of staged) if (existsSync(temporary(lan))) unlinkSync(temporary(lan));
    },
  };
}

/** Creates out/ (0700) if need be and deletes temporary files a killed run left; the caller holds the state lock, so no run is writing them. */
function prepareFolder(outDir: string): void {
  if (!existsSync(outDir)) mkdirSync(outDir, { recursive: true, mode: 0o700 });
  for (const name of readdirSync(outDir)) if (/\.tar\.gz\.tmp-\d+$/.test(name)) unlinkSync(join(outDir, name));
}

async function readIfThere(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}
