import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildBundles, gatewayMesh, writeBundle } from './support/bundles.js';
import { inNetns, missing, run } from './support/system.js';

/**
 * hq's firewall on real packets, without a real tunnel: in namespace gw a veth
 * named like the WireGuard interface stands in for it (the rules match names and
 * addresses only), branch's side is namespace peer, a LAN host is lan and the
 * internet is wan. Each check also runs without the firewall, to show it can fail.
 */
const skip = missing('ip', 'ping', 'nft', 'iptables');
type Ns = 'gw' | 'lan' | 'peer' | 'wan';
const NS: Ns[] = ['gw', 'lan', 'peer', 'wan'];
const name = (ns: Ns) => `p2pvpn-fw-${process.pid}-${ns}`;

function sh(ns: Ns, script: string): void {
  const r = inNetns(name(ns), 'sh', ['-ec', script]);
  assert.equal(r.status, 0, `${ns}: ${script}\n${r.stderr}`);
}

/** One echo answered. A ping expected through waits up to 2 s; one expected dropped gives up after 0.5 s. */
function pings(ns: Ns, to: string, from?: string, wait = '2'): boolean {
  return inNetns(name(ns), 'ping', ['-c', '1', '-W', wait, ...(from ? ['-I', from] : []), to]).status === 0;
}

function dropped(ns: Ns, to: string, from?: string): boolean {
  return !pings(ns, to, from, '0.5');
}

function link(a: Ns, ifA: string, b: Ns, ifB: string): void {
  const r = run('ip', ['-n', name(a), 'link', 'add', 'name', ifA, 'type', 'veth', 'peer', 'name', ifB, 'netns', name(b)]);
  assert.equal(r.status, 0, r.stderr);
}

describe('hq firewall on the wire', { skip }, () => {
  let dir = '';
  let firewall = '';
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'p2pvpn-test-'));
    const hq = (await buildBundles(gatewayMesh('wireguard'))).find((b) => b.lan === 'hq')!;
    firewall = join(writeBundle(dir, hq), 'firewall/firewall.sh');
    for (const ns of NS) assert.equal(run('ip', ['netns', 'add', name(ns)]).status, 0);
    link('gw', 'lan0', 'lan', 'eth0');
    link('gw', 'wg-gw-wg', 'peer', 't0');
    link('gw', 'wan0', 'wan', 'w0');
    sh(
      'gw',
      `for i in lo lan0 wg-gw-wg wan0; do ip link set "$i" up; done
      ip addr add 10.10.0.1/16 dev lan0
      ip addr add 172.19.0.1/24 dev wg-gw-wg
      ip addr add 203.0.113.1/24 dev wan0
      ip route add 192.168.10.0/24 via 172.19.0.2
      ip route add 10.99.0.0/16 via 172.19.0.2
      echo 1 > /proc/sys/net/ipv4/ip_forward`,
    );
    sh('lan', 'ip link set lo up; ip link set eth0 up; ip addr add 10.10.0.5/16 dev eth0; ip route add default via 10.10.0.1');
    // branch's LAN host, plus an address branch does not own, to spoof from.
    sh(
      'peer',
      `ip link set lo up; ip link set t0 up
      ip addr add 172.19.0.2/24 dev t0; ip addr add 192.168.10.5/24 dev t0; ip addr add 10.99.0.1/32 dev t0
      ip route add 10.10.0.0/16 via 172.19.0.1`,
    );
    // The internet answers for branch's host too: traffic that leaks out the WAN gets a reply.
    sh(
      'wan',
      'ip link set lo up; ip link set w0 up; ip addr add 203.0.113.2/24 dev w0; ip addr add 192.168.10.5/32 dev lo; ip route add 10.10.0.0/16 via 203.0.113.1',
    );
  });
  after(() => {
    for (const ns of NS) run('ip', ['netns', 'del', name(ns)]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const firewallSh = (...args: string[]) => {
    const r = inNetns(name('gw'), firewall, args);
    assert.equal(r.status, 0, r.stderr);
  };

  for (const flavour of ['nftables', 'iptables']) {
    it(`${flavour}: LAN to peer flows through the tunnel; a spoofed source and a leak out the WAN do not`, () => {
      firewallSh('unload');
      assert.ok(pings('lan', '192.168.10.5'), 'without the firewall: through the tunnel');
      assert.ok(pings('peer', '10.10.0.5', '10.99.0.1'), 'without the firewall: the spoofed source gets through');
      sh('gw', 'ip route replace 192.168.10.0/24 via 203.0.113.2');
      assert.ok(pings('lan', '192.168.10.5'), 'without the firewall: the tunnel is down and traffic leaks out the WAN');
      sh('gw', 'ip route replace 192.168.10.0/24 via 172.19.0.2');

      firewallSh('load', flavour);
      assert.ok(pings('lan', '192.168.10.5'), 'LAN to peer through the tunnel');
      assert.ok(pings('peer', '10.10.0.5', '192.168.10.5'), 'peer to LAN through the tunnel');
      assert.ok(dropped('peer', '10.10.0.5', '10.99.0.1'), 'a source the peer does not own is dropped');
      sh('gw', 'ip route replace 192.168.10.0/24 via 203.0.113.2');
      assert.ok(dropped('lan', '192.168.10.5'), 'with the tunnel down nothing leaks out the WAN');
      assert.ok(dropped('gw', '192.168.10.5'), 'nor from the gateway itself');
      sh('gw', 'ip route replace 192.168.10.0/24 via 172.19.0.2');
      firewallSh('unload');
    });

    it(`${flavour}: the WAN opens nothing into the LAN and gets no answer from the tunnel address; the LAN's own connections get their replies`, () => {
      // wan routes hq's LAN (see before) and its tunnel address via hq's WAN address, as any WAN neighbour could.
      sh('wan', 'ip route replace 172.19.0.1/32 via 203.0.113.1');
      firewallSh('unload');
      assert.ok(pings('wan', '10.10.0.5'), 'without the firewall: the WAN gets into the LAN');
      assert.ok(pings('wan', '172.19.0.1'), 'without the firewall: the tunnel address answers the WAN');

      firewallSh('load', flavour);
      assert.ok(dropped('wan', '10.10.0.5'), 'a new connection from the WAN into the LAN is dropped');
      assert.ok(dropped('wan', '172.19.0.1'), 'the tunnel address does not answer the WAN');
      assert.ok(pings('lan', '203.0.113.2'), "the replies to the LAN's own connection out the WAN come back");
      assert.ok(pings('peer', '172.19.0.1', '172.19.0.2'), 'the tunnel address answers through the tunnel');
      firewallSh('unload');
    });
  }
});
