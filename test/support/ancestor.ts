import { cpSync, lstatSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES } from './cli.js';

/** The genuine P2P-VPN working folders (fixtures/ancestor/README.md): full-10 and partial-4. */
export const ANCESTOR = join(FIXTURES, 'ancestor');

/**
 * Copies a genuine folder to `dest`. As checked in (and as git checks out
 * where symlinks are off), its `<lan>_<pair>.conf` links are small files that
 * hold their target's name; `symlinks` turns them back into real symlinks,
 * as P2P-VPN made them.
 */
export function copyAncestor(name: 'full-10' | 'partial-4', dest: string, opts: { symlinks?: boolean } = {}): string {
  cpSync(join(ANCESTOR, name), dest, { recursive: true, verbatimSymlinks: true });
  if (opts.symlinks) {
    const servers = join(dest, 'servers');
    for (const file of readdirSync(servers).filter((f) => !f.startsWith('server_'))) {
      const path = join(servers, file);
      if (!lstatSync(path).isFile()) continue;
      const target = readFileSync(path, 'utf8');
      rmSync(path);
      symlinkSync(target, path);
    }
  }
  return dest;
}

/** A file of a genuine folder, as text. */
export function ancestorFile(name: 'full-10' | 'partial-4', path: string): string {
  return readFileSync(join(ANCESTOR, name, path), 'utf8');
}
