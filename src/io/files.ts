import {
  chmodSync,
  closeSync,
  existsSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { UserError } from '../errors.js';

/**
 * Writes `path` so that a crash at any instant leaves either the old file or
 * the new one: write a temporary file, flush it, rename it into place, flush
 * the folder.
 */
export function writeFileAtomic(path: string, data: string | Buffer, mode: number): void {
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w', mode);
  try {
    writeFileSync(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  chmodSync(tmp, mode);
  renameSync(tmp, path);
  syncDir(dirname(path));
}

export function syncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Creates a folder (and parents) and sets its mode even when it already existed. */
export function ensureDir(dir: string, mode: number): void {
  mkdirSync(dir, { recursive: true, mode });
  chmodSync(dir, mode);
}

export function exists(path: string): boolean {
  return existsSync(path);
}

export function readIfExists(path: string): Buffer | undefined {
  return existsSync(path) ? readFileSync(path) : undefined;
}

export function isDirectoryPath(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Writes a whole file only if nothing is at `path`: a temporary file, then
 * link(), which fails if the name exists. False when something was there.
 */
export function writeNewFile(path: string, text: string, mode: number): boolean {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileAtomic(tmp, text, mode);
  try {
    linkSync(tmp, path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    unlinkSync(tmp);
  }
  syncDir(resolve(path, '..'));
  return true;
}

/** Writes a file, creating its folder; a folder that cannot be written is the user's to fix, with `remedy` saying how. */
export function writeTextFile(path: string, text: string, remedy: string): void {
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  } catch (err) {
    throw new UserError(`${path}: cannot write it (${(err as NodeJS.ErrnoException).code ?? 'unknown error'}); ${remedy}`);
  }
}

/** Creates a file that must not exist yet; the error code when it could not (EEXIST: something is there). */
export function createFile(path: string, text: string, mode: number): string | undefined {
  try {
    writeFileSync(path, text, { flag: 'wx', mode });
    return undefined;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code ?? 'unknown error';
  }
}

/** The nearest folder at or above `dir` with a package.json, if any. */
export function projectRootOf(dir: string): string | undefined {
  for (let d = dir; ; d = dirname(d)) {
    if (existsSync(join(d, 'package.json'))) return d;
    if (dirname(d) === d) return undefined;
  }
}
