import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { withStateLock } from '../src/io/lock.js';
import { FIXTURES, runCli, withTempDir } from './support/cli.js';

function writeLock(dir: string, holder: { pid: number; hostname: string; command: string }): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileSync(join(dir, 'lock'), JSON.stringify({ ...holder, started: '2026-01-01T00:00:00.000Z' }));
}

function deadPid(): number {
  const child = spawnSync('true');
  return child.pid!;
}

describe('state lock', () => {
  it('refuses to run while a live process on this host holds the lock, naming it, and writes nothing', () =>
    withTempDir((dir) => {
      copyFileSync(join(FIXTURES, 'example/lans.yaml'), join(dir, 'lans.yaml'));
      writeLock(join(dir, 'lans.state'), { pid: process.pid, hostname: hostname(), command: 'rotate' });
      const r = runCli(['generate', 'lans.yaml'], dir);
      assert.equal(r.code, 1);
      assert.equal(
        r.stderr,
        `p2pvpn: lans.state is in use by "p2pvpn rotate" (pid ${process.pid} on ${hostname()}, started 2026-01-01T00:00:00.000Z); wait for it to finish\n`,
      );
      assert.deepEqual(readdirSync(join(dir, 'lans.state')), ['lock']);
      assert.equal(existsSync(join(dir, 'out')), false);
    }));

  it('refuses a lock held from another host and says how to clear it', () =>
    withTempDir((dir) => {
      copyFileSync(join(FIXTURES, 'example/lans.yaml'), join(dir, 'lans.yaml'));
      writeLock(join(dir, 'lans.state'), { pid: deadPid(), hostname: 'elsewhere.example', command: 'generate' });
      const r = runCli(['generate', 'lans.yaml'], dir);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /in use by "p2pvpn generate" \(pid \d+ on elsewhere\.example, .*if that run is gone, delete lans\.state\/lock/);
    }));

  it('takes over the lock of a run that died on this host, says so, and releases it', () =>
    withTempDir((dir) => {
      copyFileSync(join(FIXTURES, 'example/lans.yaml'), join(dir, 'lans.yaml'));
      const pid = deadPid();
      writeLock(join(dir, 'lans.state'), { pid, hostname: hostname(), command: 'generate' });
      const r = runCli(['generate', 'lans.yaml'], dir);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, new RegExp(`taking over the lock of "p2pvpn generate" \\(pid ${pid} on .*which is no longer running`));
      assert.equal(existsSync(join(dir, 'lans.state/lock')), false);
    }));

  it('is released when the command fails, and a folder it created for nothing is removed', async () =>
    withTempDir(async (dir) => {
      const stateDir = join(dir, 'new.state');
      await assert.rejects(
        withStateLock(
          stateDir,
          'test',
          () => {},
          async () => {
            assert.ok(existsSync(join(stateDir, 'lock')));
            throw new Error('boom');
          },
        ),
        /boom/,
      );
      assert.equal(existsSync(stateDir), false);
    }));

  it('refuses a second holder in the same process', async () =>
    withTempDir(async (dir) => {
      await withStateLock(
        dir,
        'outer',
        () => {},
        async () => {
          await assert.rejects(
            withStateLock(
              dir,
              'inner',
              () => {},
              async () => 0,
            ),
            /is in use by "p2pvpn outer"/,
          );
        },
      );
      assert.deepEqual(readdirSync(dir), []);
    }));
});
