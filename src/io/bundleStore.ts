import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, unlinkSync } from 'node:fs';
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
  /** The sha256 (hex) of the tarball out/ will hold for a LAN after commit: the staged one, else the one read. */
  digest(lan: string): string | undefined;
  /** Stages another file of out/ (the inventory), only when its content differs from what out/ holds. */
  stageFile(name: string, content: string): Promise<void>;
  /** Moves every staged file into place, deletes the tarballs of LANs that left, flushes the folder. */
  commit(removed: string[]): void;
  /** Deletes what was staged: the run failed. */
  discard(): void;
}

const sha256 = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');

export function bundleStore(outDir: string): BundleStore {
  /** Names in out/ of the files staged so far. */
  const staged: string[] = [];
  const digests = new Map<string, string>();
  const tarball = (lan: string): string => `${lan}.tar.gz`;
  const temporary = (name: string): string => join(outDir, `${name}.tmp-${process.pid}`);
  const stageAs = async (name: string, content: Buffer | string, mode: number): Promise<void> => {
    if (staged.length === 0) prepareFolder(outDir);
    staged.push(name);
    await writeFile(temporary(name), content, { mode, flush: true });
  };
  return {
    async previous(lan) {
      const bytes = await readTarball(outDir, lan);
      if (bytes !== undefined) digests.set(lan, sha256(bytes));
      return bytes;
    },
    async stage(lan, bytes) {
      digests.set(lan, sha256(bytes));
      await stageAs(tarball(lan), bytes, 0o600);
    },
    holds: (lan) => existsSync(join(outDir, tarball(lan))),
    digest: (lan) => digests.get(lan),
    async stageFile(name, content) {
      const path = join(outDir, name);
      if (existsSync(path) && readFileSync(path, 'utf8') === content) return;
      await stageAs(name, content, 0o644);
    },
    commit(removed) {
      if (staged.length === 0 && existsSync(outDir)) prepareFolder(outDir);
      for (const name of staged) renameSync(temporary(name), join(outDir, name));
      for (const lan of removed) if (existsSync(join(outDir, tarball(lan)))) unlinkSync(join(outDir, tarball(lan)));
      if (staged.length > 0 || removed.length > 0) syncDir(outDir);
    },
    discard() {
      for (const name of staged) if (existsSync(temporary(name))) unlinkSync(temporary(name));
    },
  };
}

/** The tarball out/ holds for a LAN, if any: what plan compares with (it needs no digest). */
export function readTarball(outDir: string, lan: string): Promise<Buffer | undefined> {
  return readIfThere(join(outDir, `${lan}.tar.gz`));
}

/** The sha256 (hex) of the tarball out/ holds for a LAN, if any: what deploy checks the inventory against. */
export function tarballDigest(outDir: string, lan: string): string | undefined {
  const path = join(outDir, `${lan}.tar.gz`);
  return existsSync(path) ? sha256(readFileSync(path)) : undefined;
}

/** Creates out/ (0700) if need be and deletes temporary files a killed run left; the caller holds the state lock, so no run is writing them. */
function prepareFolder(outDir: string): void {
  if (!existsSync(outDir)) mkdirSync(outDir, { recursive: true, mode: 0o700 });
  for (const name of readdirSync(outDir)) if (/\.(tar\.gz|yml)\.tmp-\d+$/.test(name)) unlinkSync(join(outDir, name));
}

async function readIfThere(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}
