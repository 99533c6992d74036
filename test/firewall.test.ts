import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import type { RenderedBundle } from '../src/render/render.js';
import { buildBundles, fileOf, gatewayMesh, writeBundle } from './support/bundles.js';
import { withTempDir } from './support/cli.js';
import { lines } from './support/lines.js';
import { inNetns, missing, run, withNetns } from './support/system.js';

const OVPN_EXTRA = `  firewall: { flavour: iptables }`;
const meshes: Record<string, () => Promise<RenderedBundle[]>> = {
  wireguard: () => buildBundles(gatewayMesh('wireguard')),
  // The whole mesh on iptables, except home, which keeps nftables, only ships the rules and lets the WAN into its LAN.
  openvpn: () =>
    buildBundles(
      gatewayMesh('openvpn', OVPN_EXTRA).replace(
        'gateway: { lanAddress: 192.168.50.1 }',
        'gateway: { lanAddress: 192.168.50.1, firewall: { flavour: nftables, apply: false, allowWanToLan: true } }',
      ),
    ),
};

for (const [backend, build] of Object.entries(meshes)) {
  describe(`firewall files of a ${backend} mesh`, () => {
    let bundles: RenderedBundle[];
    before(async () => {
      bundles = await build();
    });

    it('every bundle carries both flavours, the loader and routes.txt; only the AWS LAN gets aws.sh', () => {
      for (const b of bundles) {
        const paths = b.files.map((f) => f.path);
        for (const p of ['firewall/rules.nft', 'firewall/rules.iptables', 'firewall/firewall.sh', 'routes.txt', 'install.sh', 'uninstall.sh'])
          assert.ok(paths.includes(p), `${b.lan} lacks ${p}`);
        assert.equal(paths.includes('aws.sh'), b.lan === 'vpc-eu', `${b.lan}: aws.sh`);
      }
    });

    it('nft -c accepts every rules.nft', { skip: missing('nft', 'ip') }, async () => {
      await withNetns((ns) => {
        for (const b of bundles) {
          const r = inNetns(ns, 'nft', ['-c', '-f', '-'], { input: fileOf(b, 'firewall/rules.nft') });
          assert.equal(r.status, 0, `${b.lan}: ${r.stderr}`);
        }
      });
    });

    it('iptables-restore --test accepts every rules.iptables', { skip: missing('iptables-restore', 'ip') }, async () => {
      await withNetns((ns) => {
        for (const b of bundles) {
          const r = inNetns(ns, 'iptables-restore', ['--test', '--noflush'], { input: fileOf(b, 'firewall/rules.iptables') });
          assert.equal(r.status, 0, `${b.lan}: ${r.stderr}`);
        }
      });
    });

    it('shellcheck passes every generated script', { skip: missing('shellcheck') }, async () => {
      await withTempDir((dir) => {
        const scripts = bundles.flatMap((b) => {
          const root = writeBundle(dir, b);
          return b.files.filter((f) => f.path.endsWith('.sh')).map((f) => join(root, f.path));
        });
        // up, down, status, firewall, install, uninstall in each; aws.sh in the VPC one.
        assert.equal(scripts.length, bundles.length * 6 + 1);
        const r = run('shellcheck', ['--shell=sh', '--severity=style', ...scripts]);
        assert.equal(r.status, 0, r.stdout + r.stderr);
      });
    });
  });
}

describe('what the rules say', () => {
  let wg: RenderedBundle[];
  let ovpn: RenderedBundle[];
  before(async () => {
    [wg, ovpn] = await Promise.all([meshes['wireguard']!(), meshes['openvpn']!()]);
  });
  const lan = (bundles: RenderedBundle[], name: string) => bundles.find((b) => b.lan === name)!;

  it('WireGuard: one port; a peer without an endpoint or with a DNS name opens it, and the rules say why', () => {
    const hq = fileOf(lan(wg, 'hq'), 'firewall/rules.nft');
    assert.match(
      hq,
      lines(
        '',
        String.raw`    udp dport 51820 ip saddr 198\.51\.100\.20 accept comment "branch"`,
        String.raw`    udp dport 51820 ip saddr 203\.0\.113\.30 accept comment "vpc-eu"`,
        String.raw`    # Open to any address: home has no endpoint\.`,
        '    udp dport 51820 accept comment "home"',
        String.raw`  \}`,
      ),
    );
    assert.doesNotMatch(hq, /udp dport 51820 drop/);
  });

  it('OpenVPN: each link port only from an IP endpoint, else open with the reason', () => {
    const nft = fileOf(lan(ovpn, 'branch'), 'firewall/rules.nft');
    assert.match(nft, /    udp dport 11004 ip saddr 203\.0\.113\.30 accept comment "vpc-eu"\n    udp dport 11004 drop\n/);
    assert.match(nft, /# Open to any address: hq is vpn\.hq\.example\.com, a DNS name\.\n    udp dport 11001 accept comment "hq"\n/);
    assert.doesNotMatch(nft, /udp dport 11001 drop/);
    const ipt = fileOf(lan(ovpn, 'branch'), 'firewall/rules.iptables');
    assert.match(
      ipt,
      lines(
        'm',
        String.raw`^-A P2PVPN-GW-OVPN-IN -s 203\.0\.113\.30\/32 -p udp --dport 11004 -m comment --comment vpc-eu -j RETURN`,
        '-A P2PVPN-GW-OVPN-IN -p udp --dport 11004 -j DROP$',
      ),
    );
    assert.match(ipt, /^-A P2PVPN-GW-OVPN-IN -p udp --dport 11001 -m comment --comment hq -j RETURN$/m);
    assert.doesNotMatch(ipt, /--dport 11001 -j DROP/);
  });

  it('a mesh where every peer has an IP endpoint keeps the WireGuard port closed to anyone else', async () => {
    const ipOnly = gatewayMesh('wireguard')
      .replace('vpn.hq.example.com', '198.51.100.10')
      .replace('gateway: { lanAddress: 192.168.50.1 }', 'gateway: { endpoint: 198.51.100.50, lanAddress: 192.168.50.1 }');
    const branch = (await buildBundles(ipOnly)).find((b) => b.lan === 'branch')!;
    assert.match(
      fileOf(branch, 'firewall/rules.nft'),
      lines(
        '',
        String.raw`udp dport 51820 ip saddr 198\.51\.100\.10 accept comment "hq"`,
        String.raw`    udp dport 51820 ip saddr 203\.0\.113\.30 accept comment "vpc-eu"`,
        String.raw`    udp dport 51820 ip saddr 198\.51\.100\.50 accept comment "home"`,
        '    udp dport 51820 drop',
        '',
      ),
    );
    assert.match(fileOf(branch, 'firewall/rules.iptables'), /--comment home -j RETURN\n-A P2PVPN-GW-WG-IN -p udp --dport 51820 -j DROP\n/);
  });

  it('anti-spoofing per tunnel: OpenVPN per device, WireGuard per peer on the shared interface', () => {
    const o = fileOf(lan(ovpn, 'hq'), 'firewall/rules.nft');
    assert.match(o, /iifname "vpn-branch" ip saddr \{ 192\.168\.10\.0\/24, 192\.168\.11\.0\/24, 172\.19\.0\.2\/32 \} return\n    iifname "vpn-branch" drop\n/);
    const w = fileOf(lan(wg, 'hq'), 'firewall/rules.nft');
    assert.match(
      w,
      lines(
        '',
        String.raw`iifname "wg-gw-wg" ip saddr \{ 192\.168\.10\.0\/24, 192\.168\.11\.0\/24, 172\.19\.0\.2\/32 \} return`,
        String.raw`    iifname "wg-gw-wg" ip saddr \{ 10\.20\.0\.0\/20, 172\.19\.0\.3\/32 \} return`,
        String.raw`    iifname "wg-gw-wg" ip saddr \{ 192\.168\.50\.0\/24, 172\.19\.0\.4\/32 \} return`,
        '    iifname "wg-gw-wg" drop',
        '',
      ),
    );
  });

  it('fails closed: traffic for a peer that does not leave through its tunnel is dropped', () => {
    const w = fileOf(lan(wg, 'hq'), 'firewall/rules.nft');
    assert.match(
      w,
      lines(
        '',
        String.raw`oifname "wg-gw-wg" ip saddr \{ 10\.10\.0\.0\/16 \} ip daddr \{ 10\.20\.0\.0\/20, 172\.19\.0\.3\/32 \} accept`,
        String.raw`    iifname "wg-gw-wg" ip saddr \{ 10\.20\.0\.0\/20, 172\.19\.0\.3\/32 \} ip daddr \{ 10\.10\.0\.0\/16 \} accept`,
        String.raw`    ip daddr \{ 10\.20\.0\.0\/20, 172\.19\.0\.3\/32 \} drop`,
        '',
      ),
    );
    assert.match(w, /oifname != "wg-gw-wg" ip daddr \{ 10\.20\.0\.0\/20, 172\.19\.0\.3\/32 \} drop/);
    const ipt = fileOf(lan(ovpn, 'hq'), 'firewall/rules.iptables');
    assert.match(ipt, /^-A P2PVPN-GW-OVPN-FWD -d 10\.20\.0\.0\/20 -j DROP$/m);
    assert.match(ipt, /^-A P2PVPN-GW-OVPN-OUT ! -o vpn-vpc-eu -d 10\.20\.0\.0\/20 -j DROP$/m);
  });

  it('clamps TCP MSS to the tunnel MTU less 40 (underlay 1400: WireGuard 1340, OpenVPN 1344)', () => {
    assert.match(
      fileOf(lan(wg, 'hq'), 'firewall/rules.nft'),
      /    oifname "wg-gw-wg" tcp flags syn tcp option maxseg size 1301-65535 tcp option maxseg size set 1300\n    iifname "wg-gw-wg" tcp flags syn/,
    );
    assert.match(
      fileOf(lan(ovpn, 'hq'), 'firewall/rules.iptables'),
      /^-A P2PVPN-GW-OVPN-FWD -o vpn-branch -p tcp --tcp-flags SYN,RST SYN -j TCPMSS --set-mss 1304$/m,
    );
  });

  it('new connections into the LAN from anything but a tunnel or a LAN interface are dropped and counted, after every tunnel rule', () => {
    const nft = fileOf(lan(wg, 'hq'), 'firewall/rules.nft');
    assert.match(nft, /  set lan_interfaces \{\n    type ifname\n  \}\n/);
    assert.match(nft, /    iifname "wg-gw-wg" drop\n    # .*\n    ip daddr \{ 10\.10\.0\.0\/16 \} iifname != @lan_interfaces jump wan_to_lan\n  \}/);
    assert.match(
      nft,
      lines(
        '',
        String.raw`  chain wan_to_lan \{`,
        '    ct state established,related accept',
        '    ct status dnat accept',
        '    counter drop comment "new connection from the WAN into the LAN"',
        String.raw`  \}`,
      ),
    );
    // conntrack is asked nowhere else: never about traffic through a tunnel.
    assert.equal(nft.match(/\bct /g)?.length, 2);
    const ipt = fileOf(lan(ovpn, 'branch'), 'firewall/rules.iptables');
    assert.match(
      ipt,
      lines(
        'm',
        '^-A P2PVPN-GW-OVPN-FWD -i vpn-home -j DROP',
        '(#.*',
        String.raw`)+-A P2PVPN-GW-OVPN-FWD -d 192\.168\.10\.0\/24 -j P2PVPN-GW-OVPN-WAN`,
        String.raw`-A P2PVPN-GW-OVPN-FWD -d 192\.168\.11\.0\/24 -j P2PVPN-GW-OVPN-WAN`,
        '-A P2PVPN-GW-OVPN-WAN -m conntrack --ctstate RELATED,ESTABLISHED -j RETURN',
        '-A P2PVPN-GW-OVPN-WAN -m conntrack --ctstate DNAT -j RETURN',
        '-A P2PVPN-GW-OVPN-WAN -m comment --comment "new connection from the WAN into the LAN" -j DROP$',
      ),
    );
    assert.equal(ipt.match(/conntrack/g)?.length, 2);
  });

  it('each tunnel address answers only through its own tunnel and to the host itself', () => {
    assert.match(
      fileOf(lan(wg, 'hq'), 'firewall/rules.nft'),
      lines(
        '',
        '    jump spoofing',
        '    # .*',
        String.raw`    ip daddr 172\.19\.0\.1 iifname != \{ "lo", "wg-gw-wg" \} counter drop comment "tunnel address from outside"`,
        '    # Tunnel ports',
      ),
    );
    const ipt = fileOf(lan(ovpn, 'hq'), 'firewall/rules.iptables');
    assert.match(
      ipt,
      lines(
        'm',
        String.raw`^-A P2PVPN-GW-OVPN-IN -d 172\.19\.0\.1\/32 ! -i vpn-branch -j P2PVPN-GW-OVPN-TADDR`,
        String.raw`-A P2PVPN-GW-OVPN-IN -d 172\.19\.0\.5\/32 ! -i vpn-vpc-eu -j P2PVPN-GW-OVPN-TADDR`,
        '',
      ),
    );
    assert.match(ipt, /^-A P2PVPN-GW-OVPN-TADDR -i lo -j RETURN\n-A P2PVPN-GW-OVPN-TADDR -m comment --comment "tunnel address from outside" -j DROP$/m);
  });

  it('allowWanToLan: true leaves out the WAN-to-LAN drop and says so, and keeps the tunnel-address rule', async () => {
    const open = (await buildBundles(gatewayMesh('wireguard', '  firewall: { allowWanToLan: true }'))).find((b) => b.lan === 'hq')!;
    const nft = fileOf(open, 'firewall/rules.nft');
    assert.doesNotMatch(nft, /lan_interfaces|wan_to_lan|\bct /);
    assert.match(nft, /# firewall\.allowWanToLan is true: new connections from the WAN side into the LAN are let through\./);
    assert.match(nft, /counter drop comment "tunnel address from outside"/);
    const ipt = fileOf(open, 'firewall/rules.iptables');
    assert.doesNotMatch(ipt, /-j P2PVPN-GW-WG-WAN|conntrack/);
    assert.match(ipt, /^:P2PVPN-GW-WG-WAN - \[0:0\]$/m, 'still declared, so a reload empties it');
    assert.doesNotMatch(fileOf(open, 'firewall/firewall.sh'), /lan_interfaces\(\)/);
  });

  it('up.sh loads the chosen flavour before the tunnels and down.sh unloads it; apply: false ships only', () => {
    const up = fileOf(lan(wg, 'hq'), 'up.sh');
    assert.ok(up.indexOf('firewall/firewall.sh" load nftables') < up.indexOf('wg-quick up'));
    assert.match(fileOf(lan(wg, 'hq'), 'down.sh'), /firewall\/firewall\.sh" unload/);
    assert.match(fileOf(lan(ovpn, 'hq'), 'up.sh'), /firewall\/firewall\.sh" load iptables/);
    assert.doesNotMatch(fileOf(lan(ovpn, 'home'), 'up.sh'), /firewall\.sh" load/);
    assert.doesNotMatch(fileOf(lan(ovpn, 'home'), 'down.sh'), /firewall\.sh/);
  });
});

describe('firewall.sh without its tool', () => {
  it('stops with a message naming the package and the setting, so up.sh starts no tunnel unprotected', async () => {
    const [hq] = await buildBundles(gatewayMesh('wireguard'));
    await withTempDir((dir) => {
      const script = join(writeBundle(dir, hq!), 'firewall/firewall.sh');
      // A PATH with dirname only: neither nft nor iptables is there.
      mkdirSync(join(dir, 'bin'));
      symlinkSync(run('sh', ['-c', 'command -v dirname']).stdout.trim(), join(dir, 'bin/dirname'));
      const r = run(script, ['load', 'nftables'], { env: { PATH: join(dir, 'bin') } });
      assert.equal(r.status, 1);
      assert.equal(r.stderr, 'firewall.sh: nft is not installed; install nftables, or choose the other firewall.flavour in lans.yaml\n');
    });
  });
});

describe('firewall.sh in a network namespace', { skip: missing('nft', 'iptables', 'iptables-save', 'ip') }, () => {
  const HOST_NFT = 'table inet filter {\n\tchain input {\n    type filter hook input priority filter; policy accept;\n    tcp dport 22 accept\n\t}\n}\n';
  // Only INPUT: load must make FORWARD and OUTPUT, and unload remove exactly those.
  const HOST_IPT = '*filter\n-A INPUT -p tcp --dport 22 -j ACCEPT\nCOMMIT\n';
  /** iptables-save without its timestamped comments and packet counters. */
  const iptablesRules = (ns: string) =>
    inNetns(ns, 'iptables-save', ['-t', 'filter'])
      .stdout.split('\n')
      .filter((l) => !l.startsWith('#'))
      .map((l) => l.replace(/ \[\d+:\d+\]$/, ''))
      .join('\n');
  /** Everything both tools show: `nft list ruleset` as it is, iptables-save less its two timestamped comment lines. */
  const rulesets = (ns: string) => ({
    nft: inNetns(ns, 'nft', ['list', 'ruleset']).stdout,
    iptables: inNetns(ns, 'iptables-save', [])
      .stdout.split('\n')
      .filter((l) => !/^# (Generated|Completed) /.test(l))
      .join('\n'),
  });
  const ok = (ns: string, cmd: string, args: string[], input?: string) => {
    const r = inNetns(ns, cmd, args, { input });
    assert.equal(r.status, 0, `${cmd} ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  const addHostFirewall = (ns: string) => {
    ok(ns, 'nft', ['-f', '-'], HOST_NFT);
    ok(ns, 'iptables-restore', ['--noflush'], HOST_IPT);
  };
  /** hq's LAN: lanAddress 10.10.0.1/16 on bridge lan0, and a route to part of it through bridge lan1. */
  const addLan = (ns: string) => {
    for (const args of [
      ['link', 'add', 'name', 'lan0', 'type', 'bridge'],
      ['addr', 'add', '10.10.0.1/16', 'dev', 'lan0'],
      ['link', 'add', 'name', 'lan1', 'type', 'bridge'],
      ['link', 'set', 'lan0', 'up'],
      ['link', 'set', 'lan1', 'up'],
      ['route', 'add', '10.10.7.0/24', 'dev', 'lan1'],
    ])
      ok(ns, 'ip', args);
  };
  /** hq's firewall.sh of the WireGuard mesh, unpacked, and a throwaway namespace to run it in. */
  const withHqFirewall = async (fn: (ns: string, firewall: (...args: string[]) => string) => void) => {
    const [hq] = await buildBundles(gatewayMesh('wireguard'));
    await withTempDir(async (dir) => {
      const script = join(writeBundle(dir, hq!), 'firewall/firewall.sh');
      await withNetns((ns) => fn(ns, (...args) => ok(ns, script, args)));
    });
  };

  it('on a host with no rules, nftables adds its one table and unload leaves nothing, not even iptables tables', async () => {
    await withHqFirewall((ns, firewall) => {
      firewall('load', 'nftables');
      assert.equal(ok(ns, 'nft', ['list', 'tables']), 'table inet p2pvpn_gw_wg\n');
      firewall('unload');
      assert.equal(ok(ns, 'nft', ['list', 'ruleset']), '');
    });
  });

  // iptables-nft makes table ip filter and its INPUT, FORWARD, OUTPUT chains on first use; unload
  // must remove what load made and nothing else, even after the other flavour's unload ran too.
  for (const host of ['no rules', 'its own inet filter table and iptables rules']) {
    for (const flavour of ['nftables', 'iptables']) {
      it(`${flavour} on a host with ${host}: after load, reload and unload, nft list ruleset and iptables-save are as before`, async () => {
        await withHqFirewall((ns, firewall) => {
          addLan(ns);
          if (host !== 'no rules') addHostFirewall(ns);
          const before = rulesets(ns);
          firewall('load', flavour);
          firewall('load', flavour);
          // The LAN's interfaces were found and loaded with the rules.
          if (flavour === 'nftables')
            assert.match(ok(ns, 'nft', ['list', 'set', 'inet', 'p2pvpn_gw_wg', 'lan_interfaces']), /elements = \{ "lan0",\s+"lan1" \}/);
          else
            assert.match(
              ok(ns, 'iptables', ['-S', 'P2PVPN-GW-WG-WAN']),
              lines(
                'm',
                '^-A P2PVPN-GW-WG-WAN -i lan1 -j RETURN',
                '-A P2PVPN-GW-WG-WAN -i lan0 -j RETURN',
                '-A P2PVPN-GW-WG-WAN -m conntrack --ctstate RELATED,ESTABLISHED -j RETURN',
                '',
              ),
            );
          assert.notDeepEqual(rulesets(ns), before, 'the rules are loaded');
          firewall('unload');
          firewall('unload');
          assert.deepEqual(rulesets(ns), before);
        });
      });
    }
  }

  it('unload keeps a chain load made once the host put a rule of its own in it', async () => {
    await withHqFirewall((ns, firewall) => {
      firewall('load', 'iptables');
      ok(ns, 'iptables', ['-A', 'FORWARD', '-p', 'tcp', '--dport', '22', '-j', 'ACCEPT']);
      firewall('unload');
      const left = ok(ns, 'nft', ['list', 'ruleset'])
        .replace(/\s+/g, ' ')
        .replace(/ counter packets \d+ bytes \d+/g, '')
        .trim();
      assert.equal(left, 'table ip filter { chain FORWARD { type filter hook forward priority filter; policy accept; tcp dport 22 accept } }');
    });
  });

  it('loads atomically and idempotently, switches flavour, and unloads to exactly what was there', async () => {
    await withHqFirewall((ns, firewall) => {
      addHostFirewall(ns);
      const hostTable = ok(ns, 'nft', ['list', 'table', 'inet', 'filter']);
      const hostRules = iptablesRules(ns);
      const before = rulesets(ns);

      firewall('load', 'nftables');
      firewall('load', 'nftables');
      const tables = ok(ns, 'nft', ['list', 'tables']);
      assert.equal(tables.split('\n').filter((t) => t === 'table inet p2pvpn_gw_wg').length, 1, tables);
      assert.equal(ok(ns, 'nft', ['list', 'table', 'inet', 'filter']), hostTable);
      assert.equal(iptablesRules(ns), hostRules);

      firewall('load', 'iptables');
      firewall('load', 'iptables');
      assert.doesNotMatch(ok(ns, 'nft', ['list', 'tables']), /p2pvpn/);
      const rules = iptablesRules(ns);
      for (const [hook, chain] of [
        ['INPUT', 'IN'],
        ['FORWARD', 'FWD'],
        ['OUTPUT', 'OUT'],
      ]) {
        assert.equal(rules.split('\n').filter((l) => l === `-A ${hook} -j P2PVPN-GW-WG-${chain}`).length, 1, rules);
      }
      assert.match(rules, /^-A INPUT -j P2PVPN-GW-WG-IN\n-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT$/m);
      firewall('load', 'nftables');

      firewall('unload');
      firewall('unload');
      assert.deepEqual(rulesets(ns), before);
    });
  });
});
