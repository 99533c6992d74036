import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { OVERHEAD } from '../../src/model/mtu.js';
import { FIXTURES } from '../support/cli.js';
import { finishCaLive, type RotationStart, rotateCaLive } from './caRotation.js';
import { addHostFirewall, breakTunnel, firewallSh, loadedFirewall, removeHostFirewall, watchPackets } from './firewall.js';
import { joinLive, leaveLive } from './lifecycle.js';
import { allLinks, assertLinksStayDown, type Backend, type Link, openvpnWarnings, waitLinksUp } from './links.js';
import {
  assertRestored,
  buildNetwork,
  downAll,
  fragmentsCreated,
  generateBundles,
  type Installed,
  installBundle,
  type Mesh,
  pingAcrossLans,
  pingFullSizeAcrossTunnels,
  pingOwnGateways,
  readFixture,
  setForwarding,
  snapshotDiff,
  tunnelMtuOf,
  upAll,
  WG_USERSPACE_ENV,
} from './mesh.js';
import { addStranger, cleanup, createLab, execIn, execInGateway, type Lab, remainingNamespaces, snapshot } from './netns.js';
import { missingPrerequisite, skipUnlessRequired } from './prerequisites.js';
import { assertBrokenTunnelRepaired, assertLogCapped } from './repair.js';
import { assertStrangerShutOut, STRANGER, tunnelAddressOf } from './stranger.js';

/** Bundles of one gateway, unpacked: where a negative case edits keys before running up.sh. */
export interface BreakContext {
  lab: Lab;
  bundles: Map<string, string>;
  /** The same mesh generated with a fresh state folder: another CA, other keys. */
  other: Map<string, string>;
}

export interface MeshSuite {
  backend: 'openvpn' | 'wireguard';
  /** Swaps key material on some links; returns the links (as LAN name pairs) that must never come up. */
  breakLinks: (ctx: BreakContext) => Promise<[string, string][]>;
}

const READY_MS = 40_000;
/** The fixtures put charlie on iptables; every other gateway has the default, nftables. */
const FIREWALL: Record<string, string> = { charlie: 'iptables' };
/**
 * Gateways with a firewall of their own before the mesh (an `inet filter` table and
 * iptables rules): bravo throughout, charlie until its second up.sh/down.sh, so each
 * flavour is shown leaving both an empty host and a host with rules as it found it.
 */
const HOST_FIREWALL = ['bravo', 'charlie'];
/** An address of no LAN and no tunnel, to spoof from. */
const SPOOFED = '10.99.0.1';
/** Long enough for several handshake attempts (OpenVPN retries every 2 s, WireGuard every 5 s). */
const STAY_DOWN_MS = 6_000;

/** The whole end-to-end story for one backend, each step a test so a failure names the step. */
export function describeMeshSuite(suite: MeshSuite): void {
  const missing = missingPrerequisite(suite.backend);
  const fixture = join(FIXTURES, 'e2e', suite.backend, 'lans.yaml');
  describe(`${suite.backend} mesh in network namespaces`, { skip: skipUnlessRequired(missing) }, () => {
    const spec = readFixture(fixture);
    const backend: Backend = { name: suite.backend, mesh: spec.mesh, env: suite.backend === 'wireguard' ? WG_USERSPACE_ENV : {} };
    let lab: Lab;
    let mesh: Mesh;
    let tarballs: Map<string, string>;
    let otherTarballs: Map<string, string>;
    let installed: Installed[] = [];
    let stranger: string;
    const started = Date.now();
    const site = (name: string) => mesh.sites.find((s) => s.spec.name === name)!;

    before(async () => {
      if (missing) assert.fail(`P2PVPN_E2E=required, but ${missing}`);
      lab = createLab();
      [mesh, tarballs, otherTarballs] = await Promise.all([
        buildNetwork(lab, spec.lans, spec.underlayMtu),
        generateBundles(lab, fixture),
        generateBundles(lab, fixture, 'other-state'),
      ]);
      stranger = await addStranger(lab, mesh.underlay, STRANGER);
      for (const name of HOST_FIREWALL) await addHostFirewall(site(name).gateway);
    });

    after(() => {
      if (!lab) return;
      assert.deepEqual(cleanup(lab), [], 'every process started in the namespaces is gone');
      assert.deepEqual(remainingNamespaces(lab.prefix), [], 'every namespace of the run is deleted');
      process.stderr.write(`${suite.backend} end-to-end: ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    });

    it('no LAN host reaches another LAN before the tunnels are up, even with forwarding on', async () => {
      assert.deepEqual(
        (await pingOwnGateways(mesh)).filter((p) => !p.ok),
        [],
        'every host reaches its gateway',
      );
      // Forwarding on, as on a gateway that already routes its LAN: only a missing path may stop the pings.
      await setForwarding(mesh, true);
      try {
        assert.deepEqual(
          (await pingAcrossLans(mesh, { expect: 'isolated' })).filter((p) => p.ok),
          [],
        );
      } finally {
        await setForwarding(mesh, false);
      }
    });

    it('up.sh in every gateway brings up every tunnel (polled readiness)', async () => {
      const installs = await Promise.all(
        mesh.sites.map(async (site) => ({ site, bundle: await installBundle(lab, site.gateway, tarballs.get(site.spec.name)!, site.spec.name, 'main') })),
      );
      installed = await upAll(installs, backend.env);
      await waitLinksUp(backend, allLinks(installed), READY_MS);
      if (suite.backend === 'openvpn') assert.deepEqual(openvpnWarnings(installed), [], 'OpenVPN accepts every option without a warning');
    });

    it('every host reaches every host of every other LAN, on every subnet', async () => {
      const failed = (await pingAcrossLans(mesh, { expect: 'reach' })).filter((p) => !p.ok);
      assert.deepEqual(failed, []);
    });

    it('every gateway runs the firewall its bundle chose (charlie iptables, the others nftables)', async () => {
      const loaded = await Promise.all(installed.map(async (i) => `${i.site.spec.name}: ${(await loadedFirewall(i, spec.mesh)).join(', ')}`));
      assert.deepEqual(
        loaded,
        installed.map((i) => `${i.site.spec.name}: ${FIREWALL[i.site.spec.name] ?? 'nftables'}`),
      );
    });

    it('a source its peer does not own, sent through the tunnel, never reaches the LAN', async () => {
      const [alpha, bravo] = installed as [Installed, Installed];
      const target = alpha.site.hosts[0]!;
      const seen = await watchPackets({ host: target.ns }, 'input', ['ip', 'saddr', SPOOFED]);
      // bravo's gateway sends from an address of no LAN; its route to alpha's LAN is the tunnel.
      await execInGateway(bravo.site.gateway, ['ip', 'addr', 'add', `${SPOOFED}/32`, 'dev', 'lo']);
      const send = () =>
        execInGateway(bravo.site.gateway, ['ping', '-n', '-q', '-c', '3', '-i', '0.2', '-W', '1', '-I', SPOOFED, target.address], { allowFail: true });
      try {
        if (suite.backend === 'openvpn') {
          // OpenVPN delivers whatever its peer sends: without the firewall the packets arrive.
          await firewallSh(alpha, 'unload');
          await send();
          assert.ok((await seen.count()) > 0, 'without the firewall the spoofed packets reach the host');
          await firewallSh(alpha, 'load', FIREWALL['alpha'] ?? 'nftables');
        }
        // WireGuard drops them already (AllowedIPs are checked on receipt); the firewall is defence in depth.
        const before = await seen.count();
        await send();
        assert.equal(await seen.count(), before, 'with the firewall none arrives');
      } finally {
        await execInGateway(bravo.site.gateway, ['ip', 'addr', 'del', `${SPOOFED}/32`, 'dev', 'lo'], { allowFail: true });
        await seen.remove();
      }
    });

    it('with a tunnel down, traffic for its peer is dropped rather than sent out the WAN unencrypted', async () => {
      const [alpha, bravo] = installed as [Installed, Installed];
      const to = bravo.site.hosts[0]!.address;
      const leaked = await watchPackets({ gateway: alpha.site.gateway }, 'postrouting', ['oifname', 'wan', 'ip', 'daddr', to]);
      const send = () => execIn(alpha.site.hosts[0]!.ns, ['ping', '-n', '-q', '-c', '2', '-i', '0.2', '-W', '1', to], { allowFail: true });
      try {
        await breakTunnel(suite.backend, spec.mesh, alpha, bravo);
        await send();
        assert.equal(await leaked.count(), 0, "nothing for bravo leaves alpha's WAN");
        // The gateway's default route points at the WAN: without the firewall the packets would go there.
        await firewallSh(alpha, 'unload');
        await send();
        assert.ok((await leaked.count()) > 0, 'without the firewall they leave through the WAN');
      } finally {
        await leaked.remove();
        await execInGateway(alpha.site.gateway, [join(alpha.bundle, 'up.sh')], { env: backend.env });
      }
      await waitLinksUp(backend, allLinks(installed), READY_MS);
      assert.deepEqual(
        (await pingAcrossLans(mesh, { expect: 'reach' })).filter((p) => !p.ok),
        [],
        'up.sh mended it',
      );
    });

    it("a stranger on the WAN segment reaches no LAN host or tunnel address, and is counted; the host's own NAT and port forward still work", async () => {
      const byName = (name: string) => installed.find((i) => i.site.spec.name === name)!;
      // alpha sits on the underlay (nftables); charlie behind its 1:1 NAT router, which routes its LAN to it (iptables).
      for (const [name, via] of [
        ['alpha', spec.lans[0]!.endpoint!],
        ['charlie', spec.lans[2]!.endpoint!],
      ] as const) {
        const end = byName(name);
        const tunnelAddress = tunnelAddressOf(end, suite.backend, spec.mesh, 'bravo');
        await assertStrangerShutOut(lab, spec.mesh, stranger, { end, flavour: FIREWALL[name] ?? 'nftables', via }, tunnelAddress);
      }
      assert.deepEqual(
        (await pingAcrossLans(mesh, { expect: 'reach' })).filter((p) => !p.ok),
        [],
        'the mesh still carries every LAN',
      );
    });

    it('a tunnel broken under its daemon (device deleted, wireguard-go killed) is mended by up.sh and --repair; other links keep passing pings', async () => {
      await assertBrokenTunnelRepaired(backend, installed, READY_MS);
      if (suite.backend === 'openvpn') await assertLogCapped(backend, installed[0]!, installed[1]!);
    });

    it(`a full-size packet with the DF bit crosses every tunnel over a ${spec.underlayMtu}-byte underlay, and the underlay fragments nothing`, async () => {
      const first = installed[0]!;
      const mtu = tunnelMtuOf(first.bundle, suite.backend, spec.mesh, installed[1]!.site.spec.name);
      assert.equal(mtu, spec.underlayMtu - OVERHEAD[suite.backend], 'the bundle carries the MTU computed from the underlay');
      const fragmentsBefore = await Promise.all(mesh.sites.map((s) => fragmentsCreated(s.gateway)));
      const failed = (await pingFullSizeAcrossTunnels(mesh, mtu)).filter((p) => !p.ok);
      assert.deepEqual(failed, [], `a ${mtu}-byte packet with DF set must cross`);
      assert.deepEqual(await Promise.all(mesh.sites.map((s) => fragmentsCreated(s.gateway))), fragmentsBefore, 'no gateway fragments the encapsulated packets');
    });

    it('running up.sh again keeps every tunnel, process and route as it was', async () => {
      const before = await Promise.all(installed.map((i) => snapshot(i.site.gateway)));
      await Promise.all(installed.map((i) => execInGateway(i.site.gateway, [join(i.bundle, 'up.sh')], { env: backend.env })));
      const after = await Promise.all(installed.map((i) => snapshot(i.site.gateway)));
      for (const [n, i] of installed.entries()) assert.deepEqual(snapshotDiff(before[n]!, after[n]!, { counters: false }), [], `${i.site.spec.name} unchanged`);
      assert.deepEqual(
        (await pingAcrossLans(mesh, { expect: 'reach' })).filter((p) => !p.ok),
        [],
      );
    });

    it('a fifth LAN joins the running mesh: no existing tunnel restarts or has an outage, and it reaches every LAN', async () => {
      const live = { lab, mesh, backend, installed, readyMs: READY_MS, stayDownMs: STAY_DOWN_MS };
      try {
        await joinLive(live, fixture);
      } finally {
        installed = live.installed;
      }
    });

    it('removing it stops its tunnels and routes everywhere; its gateway, rerun from its old bundle, brings no tunnel up', async () => {
      const live = { lab, mesh, backend, installed, readyMs: READY_MS, stayDownMs: STAY_DOWN_MS };
      try {
        await leaveLive(live, fixture);
      } finally {
        installed = live.installed;
      }
    });

    if (suite.backend === 'openvpn') {
      let rotation: RotationStart | undefined;
      it('rotate --ca while the mesh runs: each tunnel restarts once, no handshake is refused in any mix of old and new bundles', async () => {
        rotation = await rotateCaLive(
          { lab, mesh, backend, installed, readyMs: READY_MS, stayDownMs: STAY_DOWN_MS },
          fixture,
          /VERIFY OK: depth=1, O=p2pvpn, CN=e2eovpn CA 2/,
        );
      });
      it('rotate --ca --finish: no tunnel restarts and no link has an outage; a certificate of the old CA is refused from then on', async () => {
        assert.ok(rotation, 'step 1 ran');
        await finishCaLive({ lab, mesh, backend, installed, readyMs: READY_MS, stayDownMs: STAY_DOWN_MS }, fixture, rotation, { demandsEku: false });
      });
    }

    it('down.sh puts back addresses, routes, links, forwarding, processes, and nft list ruleset and iptables-save as they were', async () => {
      await downAll(installed, backend.env);
      await assertRestored(installed);
    });

    it('down.sh removed every firewall rule it loaded', async () => {
      const loaded = await Promise.all(installed.map(async (i) => `${i.site.spec.name}: ${(await loadedFirewall(i, spec.mesh)).join(', ')}`));
      assert.deepEqual(
        loaded,
        installed.map((i) => `${i.site.spec.name}: `),
      );
    });

    it('up.sh --repair (the repair timer) on a gateway whose mesh was taken down starts nothing and changes nothing', async () => {
      const before = await Promise.all(installed.map((i) => snapshot(i.site.gateway)));
      await Promise.all(installed.map((i) => execInGateway(i.site.gateway, [join(i.bundle, 'up.sh'), '--repair'], { env: backend.env })));
      const after = await Promise.all(installed.map((i) => snapshot(i.site.gateway)));
      for (const [n, i] of installed.entries()) assert.deepEqual(snapshotDiff(before[n]!, after[n]!), [], `${i.site.spec.name} unchanged`);
    });

    it("a gateway given another gateway's bundle refuses to start and changes nothing", async () => {
      const [self, other] = mesh.sites;
      const bundle = await installBundle(lab, self!.gateway, tarballs.get(other!.spec.name)!, other!.spec.name, 'wrong');
      const before = await snapshot(self!.gateway);
      const r = await execInGateway(self!.gateway, [join(bundle, 'up.sh')], { env: backend.env, allowFail: true });
      // Should it have started anything, stop it before it disturbs the next test.
      if (r.code === 0) await execInGateway(self!.gateway, [join(bundle, 'down.sh')], { env: backend.env, allowFail: true });
      assert.notEqual(r.code, 0, 'up.sh must fail');
      assert.match(r.stderr, new RegExp(`for gateway ${other!.spec.name}\\b`));
      assert.deepEqual(snapshotDiff(before, await snapshot(self!.gateway)), []);
    });

    it('a link whose key or certificate was swapped never completes its handshake; the others do', async () => {
      // charlie is an empty host from now on: its second up.sh and down.sh must leave no iptables table there either.
      await removeHostFirewall(site('charlie').gateway);
      const bundles = new Map<string, string>();
      for (const site of mesh.sites)
        bundles.set(site.spec.name, await installBundle(lab, site.gateway, tarballs.get(site.spec.name)!, site.spec.name, 'swapped'));
      const broken = await suite.breakLinks({ lab, bundles, other: otherTarballs });
      const swapped = await upAll(
        mesh.sites.map((site) => ({ site, bundle: bundles.get(site.spec.name)! })),
        backend.env,
      );
      const key = (a: string, b: string): string => [a, b].sort().join('-');
      const brokenKeys = new Set(broken.map(([a, b]) => key(a, b)));
      const isBroken = (l: Link): boolean => brokenKeys.has(key(l.ends[0].site.spec.name, l.ends[1].site.spec.name));
      const links = allLinks(swapped);
      const [brokenLinks, controls] = [links.filter(isBroken), links.filter((l) => !isBroken(l))];
      assert.equal(brokenLinks.length, broken.length, 'every broken link is a link of the mesh');
      assert.ok(controls.length > 0, 'some links are left intact to show that handshakes do happen');
      try {
        await waitLinksUp(backend, controls, READY_MS);
        await assertLinksStayDown(backend, brokenLinks, STAY_DOWN_MS);
      } finally {
        await downAll(swapped, backend.env);
      }
      await assertRestored(swapped);
    });
  });
}
