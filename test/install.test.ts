import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import type { RenderedBundle } from '../src/render/render.js';
import { buildBundles, fileOf, gatewayMesh, writeBundle } from './support/bundles.js';
import { withTempDir } from './support/cli.js';
import { inNetns, missing, missingQuietly, run, withNetns } from './support/system.js';

/** Every path under `dir` with its type, mode and a hash of its content: equal snapshots, equal trees. */
function snapshot(dir: string, prefix = ''): string[] {
  return readdirSync(join(dir, prefix))
    .sort()
    .flatMap((name) => {
      const rel = join(prefix, name);
      const st = lstatSync(join(dir, rel));
      const mode = (st.mode & 0o7777).toString(8);
      if (st.isDirectory()) return [`${rel}/ ${mode}`, ...snapshot(dir, rel)];
      return [
        `${rel} ${mode} ${createHash('sha256')
          .update(readFileSync(join(dir, rel)))
          .digest('hex')
          .slice(0, 12)}`,
      ];
    });
}

describe('install.sh and uninstall.sh', () => {
  let wg: RenderedBundle;
  let ovpnBefore: RenderedBundle;
  let ovpnAfter: RenderedBundle;
  before(async () => {
    const mesh = gatewayMesh('openvpn');
    const [wgAll, before, after] = await Promise.all([
      buildBundles(gatewayMesh('wireguard')),
      buildBundles(mesh),
      // home leaves the mesh: hq's next bundle has no tunnel to it.
      buildBundles(mesh.slice(0, mesh.indexOf('  - name: home'))),
    ]);
    wg = wgAll.find((b) => b.lan === 'vpc-eu')!;
    ovpnBefore = before.find((b) => b.lan === 'hq')!;
    ovpnAfter = after.find((b) => b.lan === 'hq')!;
  });

  /** Runs one of a bundle's scripts, as if from where it was unpacked. */
  const sh = (bundleDir: string, script: string, ...args: string[]) => run(join(bundleDir, script), args);

  it('installs under a root with every mode, reinstalls to the same tree, and uninstalls to the tree it found', async () => {
    await withTempDir((dir) => {
      const bundle = writeBundle(join(dir, 'unpacked'), wg);
      const root = join(dir, 'root');
      mkdirSync(join(root, 'etc/systemd/system'), { recursive: true });
      writeFileSync(join(root, 'etc/systemd/system/other.service'), '[Service]\n');
      const empty = snapshot(root);

      const first = sh(bundle, 'install.sh', '--force', '--root', root);
      assert.equal(first.status, 0, first.stderr);
      assert.match(first.stdout, /systemd left alone/);
      const installed = snapshot(root);
      const home = 'etc/p2pvpn/gw-wg';
      assert.ok(installed.includes(`${home}/ 700`));
      assert.ok(installed.some((l) => l.startsWith(`${home}/wireguard/wg-gw-wg.conf 600 `)));
      assert.ok(installed.some((l) => l.startsWith(`${home}/up.sh 755 `)));
      assert.ok(installed.some((l) => l.startsWith(`${home}/aws.sh 755 `)));
      assert.equal(readFileSync(join(root, 'etc/systemd/system/p2pvpn-gw-wg.service'), 'utf8'), fileOf(wg, 'systemd/p2pvpn-gw-wg.service'));

      assert.equal(sh(bundle, 'install.sh', '--force', `--root=${root}`).status, 0);
      assert.deepEqual(snapshot(root), installed, 'a second install changes nothing');
      const fromCopy = run(join(root, home, 'install.sh'), ['--force'], { env: { P2PVPN_ROOT: root } });
      assert.equal(fromCopy.status, 0, fromCopy.stderr);
      assert.deepEqual(snapshot(root), installed, 'installing from the installed copy changes nothing');

      const gone = sh(bundle, 'uninstall.sh', '--force', '--root', root);
      assert.equal(gone.status, 0, gone.stderr);
      assert.deepEqual(snapshot(root), empty);
      const again = sh(bundle, 'uninstall.sh', '--force', '--root', root);
      assert.equal(again.status, 0);
      assert.match(again.stdout, /not installed .* nothing to do/);
    });
  });

  it('--sha256 records the tarball an install came from; an install without it drops the record; uninstall removes it', async () => {
    await withTempDir((dir) => {
      const bundle = writeBundle(join(dir, 'unpacked'), wg);
      const root = join(dir, 'root');
      mkdirSync(root);
      const record = join(root, 'etc/p2pvpn/gw-wg/.bundle.sha256');
      const sha = 'ab'.repeat(32);
      assert.equal(sh(bundle, 'install.sh', '--force', '--root', root, '--sha256', 'not-hex').status, 2, 'a value that is not a sha256 is refused');
      const first = sh(bundle, 'install.sh', '--force', '--root', root, '--sha256', sha);
      assert.equal(first.status, 0, first.stderr);
      assert.equal(readFileSync(record, 'utf8'), `${sha}\n`);
      assert.equal(lstatSync(record).mode & 0o777, 0o600);
      const byHand = sh(bundle, 'install.sh', '--force', '--root', root);
      assert.equal(byHand.status, 0, byHand.stderr);
      assert.throws(() => readFileSync(record), /ENOENT/, 'a bundle installed by hand is no longer the recorded tarball');
      assert.equal(sh(bundle, 'install.sh', '--force', '--root', root, '--sha256', sha).status, 0);
      assert.equal(sh(bundle, 'uninstall.sh', '--force', '--root', root).status, 0);
      assert.deepEqual(snapshot(root), [], 'uninstall leaves nothing, the record included');
    });
  });

  it('an empty root comes back empty: install removes only the folders it made', async () => {
    await withTempDir((dir) => {
      const bundle = writeBundle(join(dir, 'unpacked'), wg);
      const root = join(dir, 'root');
      mkdirSync(root);
      assert.equal(sh(bundle, 'install.sh', '--force', '--root', root).status, 0);
      assert.equal(sh(bundle, 'uninstall.sh', '--force', '--root', root).status, 0);
      assert.deepEqual(snapshot(root), []);
    });
  });

  it('a newer bundle drops the files of a peer that left, and uninstall still leaves nothing', async () => {
    await withTempDir((dir) => {
      const root = join(dir, 'root');
      mkdirSync(root);
      const old = writeBundle(join(dir, 'old'), ovpnBefore);
      const next = writeBundle(join(dir, 'new'), ovpnAfter);
      assert.equal(sh(old, 'install.sh', '--force', '--root', root).status, 0);
      const home = join(root, 'etc/p2pvpn/gw-ovpn');
      assert.ok(snapshot(home).some((l) => l.startsWith('openvpn/home.conf ')));
      const upgrade = sh(next, 'install.sh', '--force', '--root', root);
      assert.equal(upgrade.status, 0, upgrade.stderr);
      assert.match(upgrade.stdout, /removed etc\/p2pvpn\/gw-ovpn\/openvpn\/home\.conf \(not in this bundle\)/);
      const files = snapshot(home).map((l) => l.split(' ')[0]);
      assert.ok(!files.includes('openvpn/home.conf') && !files.includes('keys/tls-crypt/home.key'));
      assert.ok(files.includes('keys/hq.key') && snapshot(home).some((l) => l.startsWith('keys/hq.key 600 ')));
      assert.equal(sh(next, 'uninstall.sh', '--force', '--root', root).status, 0);
      assert.deepEqual(snapshot(root), []);
    });
  });

  it('refuses a host with neither the gateway name nor one of its addresses, and accepts the right one', { skip: missing('ip', 'unshare') }, async () => {
    await withTempDir(async (dir) => {
      const bundle = writeBundle(join(dir, 'unpacked'), wg);
      const root = join(dir, 'root');
      mkdirSync(root);
      await withNetns((ns) => {
        const wrong = inNetns(ns, join(bundle, 'install.sh'), ['--root', root]);
        assert.equal(wrong.status, 1);
        assert.match(wrong.stderr, /not named vpc-eu and has none of its addresses \(10\.20\.0\.10 203\.0\.113\.30\)/);
        assert.match(wrong.stderr, /--force/);
        assert.deepEqual(snapshot(root), []);

        // The gateway's LAN address on an interface of this (namespaced) host: the right host.
        assert.equal(inNetns(ns, 'ip', ['addr', 'add', '10.20.0.10/20', 'dev', 'lo']).status, 0);
        const right = inNetns(ns, join(bundle, 'install.sh'), ['--root', root]);
        assert.equal(right.status, 0, right.stderr);
        assert.equal(inNetns(ns, join(bundle, 'uninstall.sh'), ['--root', root]).status, 0);
        assert.deepEqual(snapshot(root), []);
      });
      // Or a host named like the gateway (a private UTS namespace, so the real name is untouched).
      const named = run('unshare', [
        '--uts',
        'sh',
        '-c',
        `hostname vpc-eu && "$0" --root "$1" && "$2" --root "$1"`,
        join(bundle, 'install.sh'),
        root,
        join(bundle, 'uninstall.sh'),
      ]);
      assert.equal(named.status, 0, named.stderr);
      const refused = run(join(bundle, 'uninstall.sh'), ['--root', root]);
      assert.equal(refused.status, 1, 'uninstall.sh checks the host too');
    });
  });

  it('with systemd running: enables and starts, reloads on reinstall, disables on uninstall', { skip: missing('unshare', 'mount') }, async () => {
    await withTempDir((dir) => {
      const bundle = writeBundle(join(dir, 'unpacked'), wg);
      mkdirSync(join(bundle, 'run'));
      mkdirSync(join(dir, 'bin'));
      // A stand-in systemctl that logs its calls and remembers whether the unit runs.
      writeFileSync(
        join(dir, 'bin/systemctl'),
        [
          '#!/bin/sh',
          `echo "$*" >> "${dir}/calls"`,
          'case "$1" in',
          `  is-active) [ -f "${dir}/active" ] ;;`,
          `  start|reload) touch "${dir}/active" ;;`,
          `  disable) rm -f "${dir}/active" ;;`,
          'esac',
          '',
        ].join('\n'),
        { mode: 0o755 },
      );
      // A private mount and network namespace: an empty /etc to install into, a /run that says systemd runs.
      const script = `set -e
        mount -t tmpfs none /etc; mount -t tmpfs none /run; mkdir -p /run/systemd/system
        "$1/install.sh" --force; "$1/install.sh" --force
        find /etc | sort > "$2/installed"
        "$1/uninstall.sh" --force
        find /etc | sort > "$2/uninstalled"`;
      const r = run('unshare', ['-m', '-n', 'sh', '-c', script, 'sh', bundle, dir], { env: { PATH: `${join(dir, 'bin')}:${process.env['PATH']}` } });
      assert.equal(r.status, 0, r.stderr);
      const unit = 'p2pvpn-gw-wg.service';
      const timer = 'p2pvpn-gw-wg-repair.timer';
      assert.deepEqual(readFileSync(join(dir, 'calls'), 'utf8').trimEnd().split('\n'), [
        'daemon-reload',
        `enable ${unit}`,
        `is-active --quiet ${unit}`,
        `start ${unit}`,
        `start ${timer}`,
        'daemon-reload',
        `enable ${unit}`,
        `is-active --quiet ${unit}`,
        `reload ${unit}`,
        `start ${timer}`,
        `disable --now ${unit}`,
        `stop ${timer}`,
        'daemon-reload',
      ]);
      assert.match(r.stdout, /stopped|firewall: removed/, 'the copy started by hand from the unpacked bundle was taken down first');
      for (const installed of [unit, timer, 'p2pvpn-gw-wg-repair.service'])
        assert.ok(readFileSync(join(dir, 'installed'), 'utf8').includes(`/etc/systemd/system/${installed}\n`), installed);
      assert.equal(readFileSync(join(dir, 'uninstalled'), 'utf8'), '/etc\n');
    });
  });

  it('systemd-analyze verify accepts the unit, the repair timer and its service', { skip: missingQuietly('systemd-analyze') }, async () => {
    await withTempDir((dir) => {
      const bundle = writeBundle(join(dir, 'unpacked'), wg);
      const root = join(dir, 'root');
      mkdirSync(root);
      assert.equal(sh(bundle, 'install.sh', '--force', '--root', root).status, 0);
      // verify wants ExecStart to exist: point the units at the copy under the root, nothing else changes.
      mkdirSync(join(dir, 'units'));
      const units = ['p2pvpn-gw-wg.service', 'p2pvpn-gw-wg-repair.service', 'p2pvpn-gw-wg-repair.timer'];
      for (const unit of units)
        writeFileSync(join(dir, 'units', unit), fileOf(wg, `systemd/${unit}`).replaceAll('/etc/p2pvpn/gw-wg', `${root}/etc/p2pvpn/gw-wg`));
      const r = run('systemd-analyze', ['verify', ...units.map((unit) => join(dir, 'units', unit))]);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stderr, '', 'no warnings either');
    });
  });

  it('the repair timer runs up.sh --repair every 30 s while the mesh unit runs, and stops with it', () => {
    const timer = fileOf(wg, 'systemd/p2pvpn-gw-wg-repair.timer');
    assert.match(timer, /^OnUnitActiveSec=30$/m);
    assert.match(timer, /^PartOf=p2pvpn-gw-wg\.service$/m);
    assert.match(fileOf(wg, 'systemd/p2pvpn-gw-wg-repair.service'), /^ExecStart=\/etc\/p2pvpn\/gw-wg\/up\.sh --repair$/m);
    assert.match(fileOf(wg, 'systemd/p2pvpn-gw-wg.service'), /^Wants=network-online\.target p2pvpn-gw-wg-repair\.timer$/m);
  });
});
