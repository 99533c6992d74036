import { linkSync, readdirSync, readFileSync, renameSync, rmdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import { ensureDir, isDirectoryPath } from './files.js';

export const LOCK_FILE = 'lock';

/** Who holds the state folder; written whole before it appears, so it is never seen half written. */
export interface LockHolder {
  pid: number;
  hostname: string;
  command: string;
  started: string;
}

/**
 * Runs `fn` holding the lock of the state folder `dir`, so two runs never
 * write the state or out/ at once. A lock left by a process that died on
 * this host is taken over (said on stderr); a live or foreign holder is
 * named in the refusal. The folder is created 0700 if needed.
 */
export async function withStateLock<T>(dir: string, command: string, warn: (line: string) => void, fn: () => Promise<T>): Promise<T> {
  const created = !isDirectoryPath(dir);
  ensureDir(dir, 0o700);
  const me: LockHolder = { pid: process.pid, hostname: hostname(), command, started: new Date().toISOString() };
  acquire(dir, me, warn);
  try {
    return await fn();
  } finally {
    release(dir, me, created);
  }
}

function acquire(dir: string, me: LockHolder, warn: (line: string) => void): void {
  const path = join(dir, LOCK_FILE);
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, `${JSON.stringify(me)}\n`, { mode: 0o600 });
  } catch (err) {
    throw new UserError(`${dir}: cannot write in the state folder (${(err as NodeJS.ErrnoException).code ?? 'unknown error'})`);
  }
  try {
    // link() fails if the lock exists, like O_EXCL, but the lock appears with its content already written.
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        linkSync(tmp, path);
        removeLeftovers(dir);
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const holder = readHolder(path);
      if (holder && !isStale(holder)) throw new UserError(heldMessage(dir, holder));
      if (takeOver(dir, holder))
        warn(`p2pvpn: ${path}: ${holder ? `taking over the lock of ${describe(holder)}, which is no longer running` : 'taking over an unreadable lock'}`);
    }
    throw new UserError(`${path}: another run keeps taking the lock; try again`);
  } finally {
    unlinkSync(tmp);
  }
}

/** Moves the stale lock aside, then checks it was still the stale one, not a lock a faster run just took. */
function takeOver(dir: string, seen: LockHolder | undefined): boolean {
  const path = join(dir, LOCK_FILE);
  const aside = `${path}.stale-${process.pid}`;
  try {
    renameSync(path, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
  const moved = readHolder(aside);
  if (moved && seen && (moved.pid !== seen.pid || moved.started !== seen.started)) {
    try {
      linkSync(aside, path);
    } catch {
      // A third run holds the lock now; the one we moved will find its lock gone on release, which is harmless.
    }
  }
  unlinkSync(aside);
  return true;
}

/** Files of runs killed while taking or taking over the lock. */
function removeLeftovers(dir: string): void {
  for (const name of readdirSync(dir)) {
    const m = /^lock\.(?:tmp|stale)-(\d+)$/.exec(name);
    if (m && Number(m[1]) !== process.pid && isStale({ pid: Number(m[1]), hostname: hostname(), command: '', started: '' })) unlinkSync(join(dir, name));
  }
}

function release(dir: string, me: LockHolder, removeDir: boolean): void {
  const path = join(dir, LOCK_FILE);
  const holder = readHolder(path);
  if (holder?.pid === me.pid && holder.started === me.started) unlinkSync(path);
  // A run that failed before writing anything leaves no empty state folder behind.
  if (removeDir && readdirSync(dir).length === 0) rmdirSync(dir);
}

function readHolder(path: string): LockHolder | undefined {
  try {
    const value = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockHolder>;
    if (typeof value.pid === 'number' && typeof value.hostname === 'string') return value as LockHolder;
  } catch {
    // Missing or unreadable: the caller decides.
  }
  return undefined;
}

/** Only a holder on this host can be known dead; one elsewhere (a shared folder) is left to the user. */
function isStale(holder: LockHolder): boolean {
  if (holder.hostname !== hostname()) return false;
  try {
    process.kill(holder.pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

function describe(h: LockHolder): string {
  return `"p2pvpn ${h.command}" (pid ${h.pid} on ${h.hostname}, started ${h.started})`;
}

function heldMessage(dir: string, holder: LockHolder): string {
  const foreign = holder.hostname !== hostname();
  return `${dir} is in use by ${describe(holder)}; wait for it to finish${foreign ? `, or if that run is gone, delete ${join(dir, LOCK_FILE)}` : ''}`;
}
