import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import type { AncestorFolder, ServerEntry } from '../import/folder.js';
import { isDirectoryPath } from './files.js';

const MAX_FILE_BYTES = 1024 * 1024;

export function readAncestorFolder(dir: string): AncestorFolder {
  if (!isDirectoryPath(dir)) throw new UserError(`${dir}: not a folder; give the P2P-VPN working folder (the one with cache.txt, servers/ and keys/)`);
  const servers: ServerEntry[] = [];
  const serversDir = join(dir, 'servers');
  if (isDirectoryPath(serversDir)) {
    for (const name of readdirSync(serversDir).sort()) {
      const path = join(serversDir, name);
      const stat = lstatSync(path);
      if (stat.isSymbolicLink()) servers.push({ name, linkTarget: readlinkSync(path) });
      else if (stat.isFile()) servers.push({ name, text: readText(path) });
    }
  }
  const keys = new Map<string, string>();
  const keysDir = join(dir, 'keys');
  if (isDirectoryPath(keysDir)) {
    for (const name of readdirSync(keysDir).sort()) {
      const path = join(keysDir, name);
      if (lstatSync(path).isFile()) keys.set(name, readText(path));
    }
  }
  const cache = readOptional(join(dir, 'cache.txt'));
  const pairId = readOptional(join(dir, 'p2p_pair_id.txt'));
  return { dir, servers, keys, ...(cache !== undefined ? { cache } : {}), ...(pairId !== undefined ? { pairId } : {}) };
}

function readOptional(path: string): string | undefined {
  try {
    return lstatSync(path).isFile() ? readText(path) : undefined;
  } catch {
    return undefined;
  }
}

function readText(path: string): string {
  if (lstatSync(path).size > MAX_FILE_BYTES) throw new UserError(`${path}: larger than 1 MiB, not a P2P-VPN file`);
  return readFileSync(path, 'utf8');
}
