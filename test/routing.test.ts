import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import type { RenderedBundle } from '../src/render/render.js';
import { fileOf, writeBundle } from './support/bundles.js';
import { withTempDir } from './support/cli.js';
import { buildGolden } from './support/goldens.js';
import { inNetns, missing, run, withNetns } from './support/system.js';

/** What routing.sh does to keepalived.conf before keepalived reads it. */
function keepalivedAsRun(bundle: RenderedBundle, dir: string, lanIf: string): string {
  return fileOf(bundle, 'keepalived/keepalived.conf').replaceAll('@BUNDLE@', dir).replaceAll('@LAN_IF@', lanIf);
}

const lanAddressOf = (bundle: RenderedBundle): string => /^unicast_src_ip (\S+)$/m.exec(fileOf(bundle, 'keepalived/keepalived.conf').replaceAll('  ', ''))![1]!;

for (const backend of ['wireguard', 'openvpn'] as const) {
  describe(`routing files of a bgp ${backend} mesh with a LAN of two gateways (fixtures/golden-bgp-${backend})`, () => {
    let bundles: RenderedBundle[];
    before(async () => {
      bundles = (await buildGolden(`golden-bgp-${backend}`)).bundles;
    });
    const named = (id: string) => bundles.find((b) => b.lan === id)!;

    it('every gateway has a bundle of its own: hq-a, hq-b, branch, rack; only hq-a and hq-b run keepalived', () => {
      assert.deepEqual(bundles.map((b) => b.lan).sort(), ['branch', 'hq-a', 'hq-b', 'rack']);
      for (const b of bundles) {
        const paths = b.files.map((f) => f.path);
        assert.ok(paths.includes('bird/bird.conf') && paths.includes('routing.sh'), `${b.lan}: BIRD`);
        assert.equal(paths.includes('keepalived/keepalived.conf'), b.lan.startsWith('hq-'), `${b.lan}: keepalived`);
      }
    });

    it('bird -p accepts every bird.conf', { skip: missing('bird') }, () =>
      withTempDir((dir) => {
        for (const b of bundles) {
          const root = writeBundle(dir, b);
          mkdirSync(join(root, 'run/routing'), { recursive: true });
          writeFileSync(join(root, 'run/routing/vrrp.conf'), 'define vrrp_master = 0;\n');
          const r = run('bird', ['-p', '-c', join(root, 'bird/bird.conf')]);
          assert.equal(r.status, 0, `${b.lan}: ${r.stderr}`);
        }
      }),
    );

    it('keepalived -t accepts each keepalived.conf as routing.sh runs it, on a host with the LAN interface', { skip: missing('keepalived', 'ip') }, () =>
      withTempDir((dir) =>
        withNetns((ns) => {
          for (const b of [named('hq-a'), named('hq-b')]) {
            const root = writeBundle(dir, b);
            // A veth named like the LAN interface, holding the gateway's LAN address (no dummy module here).
            inNetns(ns, 'ip', ['link', 'del', 'lan']);
            assert.equal(inNetns(ns, 'ip', ['link', 'add', 'lan', 'type', 'veth', 'peer', 'name', 'lan-peer']).status, 0);
            assert.equal(inNetns(ns, 'ip', ['addr', 'add', `${lanAddressOf(b)}/16`, 'dev', 'lan']).status, 0);
            const conf = join(root, 'run-keepalived.conf');
            writeFileSync(conf, keepalivedAsRun(b, root, 'lan'));
            const r = inNetns(ns, 'keepalived', ['-t', '-f', conf]);
            assert.equal(r.status, 0, `${b.lan}: ${r.stderr}`);
            assert.doesNotMatch(r.stderr, /insecure|WARNING/, `${b.lan}: ${r.stderr}`);
          }
        }),
      ),
    );

    it("shellcheck passes every script, routing.sh and keepalived's included", { skip: missing('shellcheck') }, () =>
      withTempDir((dir) => {
        const scripts = bundles.flatMap((b) => {
          const root = writeBundle(dir, b);
          return b.files.filter((f) => f.path.endsWith('.sh')).map((f) => join(root, f.path));
        });
        // up, down, status, routing, firewall, install, uninstall everywhere; notify and links on hq-a and hq-b.
        assert.equal(scripts.length, bundles.length * 7 + 4);
        const r = run('shellcheck', ['--shell=sh', '--severity=style', ...scripts]);
        assert.equal(r.status, 0, r.stdout + r.stderr);
      }),
    );

    it('nft -c and iptables-restore --test accept every rules file', { skip: missing('nft', 'iptables-restore', 'ip') }, () =>
      withNetns((ns) => {
        for (const b of bundles) {
          const nft = inNetns(ns, 'nft', ['-c', '-f', '-'], { input: fileOf(b, 'firewall/rules.nft') });
          assert.equal(nft.status, 0, `${b.lan}: ${nft.stderr}`);
          const ipt = inNetns(ns, 'iptables-restore', ['--test', '--noflush'], { input: fileOf(b, 'firewall/rules.iptables') });
          assert.equal(ipt.status, 0, `${b.lan}: ${ipt.stderr}`);
        }
      }),
    );

    it('BIRD announces exactly the LAN, believes of each peer only its LAN, exports no default; the backup prepends', () => {
      const hqA = fileOf(named('hq-a'), 'bird/bird.conf');
      assert.match(hqA, /protocol static lan \{\n {2}ipv4;\n {2}route 10\.10\.0\.0\/16 blackhole;\n\}/);
      assert.match(hqA, /if proto != "lan" then reject;/);
      assert.match(hqA, /if vrrp_master = 0 then \{\n {4}bgp_path\.prepend\(4200000001\);\n {4}bgp_path\.prepend\(4200000001\);/);
      assert.match(hqA, /description "branch";[^}]*bfd on;[\s\S]*?if net ~ \[ 192\.168\.10\.0\/24, 192\.168\.11\.0\/24 \] then accept;\n {6}reject;/);
      assert.match(hqA, /if source = RTS_BGP && net != 0\.0\.0\.0\/0 then accept;/);
      const branch = fileOf(named('branch'), 'bird/bird.conf');
      assert.doesNotMatch(branch, /vrrp_master|include/, 'a LAN with one gateway never prepends');
      // Two sessions to LAN hq, one per gateway, both believing only hq's subnet.
      assert.equal(branch.match(/if net ~ \[ 10\.10\.0\.0\/16 \] then accept;/g)?.length, 2);
    });

    it('the firewall admits BGP and BFD only on each tunnel from its peer; the LAN with two gateways may leave through either', () => {
      const nft = fileOf(named('branch'), 'firewall/rules.nft');
      const ipt = fileOf(named('branch'), 'firewall/rules.iptables');
      for (const proto of ['tcp dport 179', 'udp dport { 3784, 4784 }']) {
        assert.equal(nft.match(new RegExp(`iifname "\\S+" ip saddr \\S+ ip daddr \\S+ ${proto.replace(/[{}]/g, '\\$&')} accept`, 'g'))?.length, 3, proto);
        assert.match(nft, new RegExp(`ip daddr \\{ [^}]+ \\} ${proto.replace(/[{}]/g, '\\$&')} drop`));
      }
      assert.match(nft, /oifname != \{ "\S+", "\S+" \} ip daddr \{ 10\.10\.0\.0\/16 \} drop/);
      assert.match(
        ipt,
        new RegExp(
          ['-o \\S+ -d 10\\.10\\.0\\.0/16 -j RETURN', '-o \\S+ -d 10\\.10\\.0\\.0/16 -j RETURN', '-d 10\\.10\\.0\\.0/16 -j DROP']
            .map((r) => `-A P2PVPN-\\S+-OUT ${r}`)
            .join('\n'),
        ),
      );
      // Both gateways' accepts come before the one drop for hq.
      const forward = nft.slice(nft.indexOf('chain forward'), nft.indexOf('chain output'));
      const drop = forward.search(/ip daddr \{ 10\.10\.0\.0\/16, \S+\/32, \S+\/32 \} drop/);
      const accepts = [...forward.matchAll(/iifname "\S+" ip saddr \{ 10\.10\.0\.0\/16, \S+ \} ip daddr .* accept/g)].map((m) => m.index!);
      assert.equal(accepts.length, 2);
      assert.ok(drop > Math.max(...accepts), 'one drop for the LAN, after both of its gateways');
    });

    it('hosts of LAN hq route through the VIP; each gateway gets its own priority, the first the higher', () => {
      assert.match(fileOf(named('hq-a'), 'routes.txt'), /^ip route add 192\.168\.10\.0\/24 via 10\.10\.0\.1$/m);
      assert.match(fileOf(named('hq-b'), 'routes.txt'), /^ip route add 172\.20\.5\.0\/24 via 10\.10\.0\.1$/m);
      assert.match(fileOf(named('branch'), 'routes.txt'), /^ip route add 10\.10\.0\.0\/16 via 192\.168\.10\.1$/m);
      assert.equal(
        fileOf(named('branch'), 'routes.txt').match(/^ip route add 10\.10\.0\.0\/16/gm)?.length,
        1,
        'one route per remote subnet, not one per gateway',
      );
      const [a, b] = [fileOf(named('hq-a'), 'keepalived/keepalived.conf'), fileOf(named('hq-b'), 'keepalived/keepalived.conf')];
      assert.match(a, /priority 101\n/);
      assert.match(b, /priority 100\n/);
      assert.equal(/virtual_router_id (\d+)/.exec(a)![1], /virtual_router_id (\d+)/.exec(b)![1], 'one VRRP instance');
      assert.match(a, /unicast_peer \{\n {4}10\.10\.0\.3\n {2}\}/);
      assert.match(a, /virtual_ipaddress \{\n {4}10\.10\.0\.1\/16 dev @LAN_IF@\n/);
    });
  });
}

describe('routing.sh', () => {
  it('finds its daemons by pid file and process name only, and keeps a running one whose config did not change', async () => {
    const { bundles } = await buildGolden('golden-bgp-wireguard');
    const script = fileOf(bundles.find((b) => b.lan === 'hq-a')!, 'routing.sh');
    assert.match(script, /\[ "\$\(cat "\/proc\/\$pid\/comm" 2>\/dev\/null\)" = "\$2" \]/);
    assert.match(script, /bird -c "\$conf" -s "\$ctl" -P "\$routing\/bird\.pid"/);
    assert.match(
      script,
      new RegExp(
        ['-f "$routing/keepalived.conf" -P', '-p "$routing/keepalived.pid"', '-r "$routing/vrrp.pid"', '-c "$routing/checkers.pid"', '-b "$routing/bfd.pid"']
          .map((a) => a.replace(/[$.]/g, '\\$&'))
          .join(' '),
      ),
    );
    assert.match(script, /\[ "\$\(cat "\$routing\/bird\.sum" 2>\/dev\/null\)" = "\$sum" \] && return 0/);
    assert.match(script, /birdc -s "\$ctl" configure/);
    assert.doesNotMatch(readFileSync(new URL('../../templates/routing/routing.sh.hbs', import.meta.url), 'utf8'), /pkill|killall|pidof/);
  });
});
