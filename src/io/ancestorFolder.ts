import { closeSync, constants, fstatSync, lstatSync, openSync, readdirSync, readFileSync, readlinkSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import type { AncestorFolder, FolderEntry, SubFolder } from '../import/folder.js';

const MAX_FILE_BYTES = 1024 * 1024;

export function readAncestorFolder(dir: string): AncestorFolder {
  if (!lstatIfExists(dir)?.isDirectory())
    throw new UserError(`${dir}: not a folder; give the P2P-VPN working folder (the one with cache.txt, servers/ and keys/)`);
  const cache = readEntry(join(dir, 'cache.txt'));
  const pairId = readEntry(join(dir, 'p2p_pair_id.txt'));
  return {
    dir,
    servers: readSubFolder(join(dir, 'servers')),
    keys: readSubFolder(join(dir, 'keys')),
    ...(cache ? { cache } : {}),
    ...(pairId ? { pairId } : {}),
  };
}

/** A folder's own entries; a symlink in its place is reported as one, not followed. */
function readSubFolder(path: string): SubFolder {
  const stat = lstatIfExists(path);
  if (!stat) return { kind: 'missing' };
  if (!stat.isDirectory()) return { kind: 'not-folder', found: stat.isFile() ? { kind: 'other', what: 'a regular file' } : describe(path, stat) };
  const entries = new Map<string, FolderEntry>();
  for (const name of readdirSync(path).sort()) entries.set(name, readEntry(join(path, name))!);
  return { kind: 'folder', entries };
}

/** A file's text, read through a descriptor opened without following links, so what was checked is what is read. */
function readEntry(path: string): FolderEntry | undefined {
  const stat = lstatIfExists(path);
  if (!stat) return undefined;
  if (!stat.isFile()) return describe(path, stat);
  const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    const opened = fstatSync(fd);
    if (!opened.isFile()) return { kind: 'other', what: 'not a regular file' };
    if (opened.size > MAX_FILE_BYTES) return { kind: 'too-large' };
    return { kind: 'file', text: readFileSync(fd, 'utf8') };
  } finally {
    closeSync(fd);
  }
}

function describe(path: string, stat: Stats): Exclude<FolderEntry, { kind: 'file' }> {
  if (stat.isSymbolicLink()) return { kind: 'symlink', target: readlinkSync(path) };
  return { kind: 'other', what: stat.isDirectory() ? 'a folder' : 'not a regular file' };
}

function lstatIfExists(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new UserError(`${path}: cannot read it (${(err as NodeJS.ErrnoException).code ?? 'unknown error'})`);
  }
}
