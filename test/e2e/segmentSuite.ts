import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseDocument } from 'yaml';
import { OVERHEAD } from '../../src/model/mtu.js';
import { FIXTURES } from '../support/cli.js';
import { pollUntil } from './exec.js';
import { firewallSh, watchPackets } from './firewall.js';
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
  readFixture,
  upAll,
  WG_USERSPACE_ENV,
  waitLanBridgeUp,
} from './mesh.js';
import { addBridgeHost, addStranger, cleanup, createLab, execIn, execInGateway, type Lab, type LanHost, remainingNamespaces } from './netns.js';
import { missingPrerequisite, ROUTING_TOOLS, skipUnlessRequired } from './prerequisites.js';
import {
  addressOn,
  bridgeRecord,
  broadcastOnSegment,
  floodEntries,
  macOf,
  pingOnSegment,
  SEGMENT,
  type SegmentWatch,
  type ShownLink,
  shownLinks,
  VXLAN_BYTES,
  VXLAN_PORT,
  vxlanDevice,
  vxlanDrops,
  vxlanFromWan,
  waitSegmentUp,
  watchArpFrom,
  watchSegment,
} from './segments.js';
import { STRANGER } from './stranger.js';

export type SegmentVariant = 'openvpn' | 'wireguard' | 'bgp-wireguard';

const READY_MS = 40_000;
/** The fixtures put bravo on iptables; alpha and charlie have the default, nftables. */
const FLAVOUR: Record<string, string> = { alpha: 'nftables', bravo: 'iptables' };
/** alpha's bridge port of its segment host: a MAC like a NIC's, below the VXLAN device's fe:..., as a real LAN port's is. */
const PORT_MAC = '52:54:00:12:34:56';
const BRIDGES: Record<string, string> = { alpha: 'seg0', bravo: 'br-lab' };
const ADDRESSES: Record<string, string> = { alpha: '10.250.0.1', bravo: '10.250.0.2' };
/** What the stranger on the WAN claims on the segment. */
const INTRUDER = '10.250.0.99';

/**
 * The L2 segment story for one backend (and routing): segment lab joins alpha and bravo, whose
 * hosts share 10.250.0.0/24, which nothing routes; charlie is in no segment and sees none of it.
 */
export function describeSegmentSuite(variant: SegmentVariant): void {
  const fixture = join(FIXTURES, 'e2e', `segments-${variant}`, 'lans.yaml');
  const spec = readFixture(fixture);
  const backend = spec.backend as 'openvpn' | 'wireguard';
  const bgp = variant.startsWith('bgp-');
  const missing = missingPrerequisite(backend, bgp ? ROUTING_TOOLS : []);
  const env = backend === 'wireguard' ? WG_USERSPACE_ENV : {};
  const segmentMtu = spec.underlayMtu - OVERHEAD[backend] - VXLAN_BYTES;

  describe(`L2 segment over ${variant} in network namespaces`, { skip: skipUnlessRequired(missing) }, () => {
    let lab: Lab;
    let mesh: Mesh;
    let links: ShownLink[];
    let installs: { site: Mesh['sites'][number]; bundle: string }[];
    let installed: Installed[] = [];
    let charlieWatch: SegmentWatch;
    let stranger: string;
    const hosts: Record<string, LanHost> = {};
    const ports: Record<string, string> = {};
    const started = Date.now();
    const end = (name: string): Installed => installed.find((i) => i.site.spec.name === name)!;
    const gatewayOf = (name: string) => mesh.sites.find((s) => s.spec.name === name)!.gateway;
    const other = (name: string): string => (name === 'alpha' ? 'bravo' : 'alpha');

    /** A host on `lan`'s segment bridge; its port on the bridge is remembered, to take it out again before down.sh. */
    const addSegmentHost = async (lan: string, mac?: string): Promise<void> => {
      const gateway = gatewayOf(lan);
      hosts[lan] = await addBridgeHost(lab, gateway, BRIDGES[lan]!, `${ADDRESSES[lan]}/24`, mac);
      ports[lan] = `h${gateway.hosts}`;
    };

    before(async () => {
      if (missing) assert.fail(`P2PVPN_E2E=required, but ${missing}`);
      lab = createLab();
      let tarballs: Map<string, string>;
      [mesh, tarballs] = await Promise.all([buildNetwork(lab, spec.lans, spec.underlayMtu), generateBundles(lab, fixture)]);
      links = await shownLinks(fixture, join(lab.workDir, 'state'));
      // alpha's bridge is there before the mesh, down, with its host plugged in; bravo's is up.sh's to make.
      await execInGateway(gatewayOf('alpha'), ['ip', 'link', 'add', 'name', BRIDGES['alpha']!, 'type', 'bridge']);
      await addSegmentHost('alpha', PORT_MAC);
      stranger = await addStranger(lab, mesh.underlay, STRANGER);
      await Promise.all(mesh.sites.map(waitLanBridgeUp));
      installs = await Promise.all(
        mesh.sites.map(async (site) => ({ site, bundle: await installBundle(lab, site.gateway, tarballs.get(site.spec.name)!, site.spec.name, 'main') })),
      );
    });

    after(() => {
      if (!lab) return;
      assert.deepEqual(cleanup(lab), [], 'every process started in the namespaces is gone');
      assert.deepEqual(remainingNamespaces(lab.prefix), [], 'every namespace of the run is deleted');
      process.stderr.write(`segment over ${variant} end-to-end: ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    });

    it('up.sh brings up the mesh, and on each member a VXLAN device on its bridge: bravo made its bridge, alpha used the one it found', async () => {
      installed = await upAll(installs, env);
      await pollUntil('every LAN to reach every other', READY_MS, async () =>
        (await pingAcrossLans(mesh, { expect: 'reach' })).every((p) => p.ok) ? true : undefined,
      );
      for (const lan of ['alpha', 'bravo']) {
        const device = await vxlanDevice(gatewayOf(lan));
        assert.ok(device, `${lan} has ${SEGMENT.device}`);
        assert.match(device, new RegExp(`vxlan id ${SEGMENT.vni} `), `${lan}: the segment's VNI`);
        assert.match(device, new RegExp(` dstport ${VXLAN_PORT} `), `${lan}: UDP ${VXLAN_PORT}`);
        assert.match(device, / nolearning /, `${lan}: learning off`);
        assert.match(device, new RegExp(` mtu ${segmentMtu} `), `${lan}: the tunnel MTU less ${VXLAN_BYTES}`);
        assert.match(device, new RegExp(` master ${BRIDGES[lan]} `), `${lan}: on its bridge`);
        // One tunnel address (WireGuard, static): it is the device's local; one per link: none, each copy leaves from its link's own.
        const local = / local ([\d.]+) /.exec(device)?.[1];
        assert.equal(local, variant === 'wireguard' ? addressOn(links, other(lan), lan) : undefined, `${lan}: the VXLAN local address`);
        assert.deepEqual(await floodEntries(gatewayOf(lan)), [addressOn(links, lan, other(lan))], `${lan} floods to the other member's tunnel address`);
      }
      assert.equal(bridgeRecord(end('alpha')), 'seg0 down', 'alpha found seg0, down');
      assert.equal(bridgeRecord(end('bravo')), 'br-lab made', 'bravo made br-lab');
      const alphaRun = (argv: string[]) => execInGateway(gatewayOf('alpha'), argv);
      assert.equal(await macOf(alphaRun, 'seg0'), PORT_MAC, "alpha's bridge keeps its MAC (its LAN port's, below the VXLAN device's)");
      assert.equal(await vxlanDevice(gatewayOf('charlie')), undefined, 'charlie, in no segment, has no VXLAN device');
      assert.equal(existsSync(join(end('charlie').bundle, 'segments.sh')), false, "charlie's bundle has no segments.sh");
      charlieWatch = await watchSegment((argv) => execInGateway(gatewayOf('charlie'), argv));
      await addSegmentHost('bravo');
    });

    it('ARP resolves across the segment and pings pass both ways', async () => {
      await waitSegmentUp(hosts['alpha']!.ns, ADDRESSES['bravo']!);
      for (const lan of ['alpha', 'bravo']) {
        const [from, to] = [hosts[lan]!, hosts[other(lan)]!];
        assert.ok(await pingOnSegment(from.ns, to.address), `${lan} pings ${other(lan)} on the segment`);
        const { stdout } = await execIn(from.ns, ['ip', 'neigh', 'show', to.address, 'dev', 'eth0']);
        const mac = await macOf((argv) => execIn(to.ns, argv), 'eth0');
        assert.match(stdout, new RegExp(`lladdr ${mac} `), `${lan}'s host resolved ${to.address} to ${other(lan)}'s host's own MAC`);
      }
    });

    it(`a DF ping at the segment MTU (${segmentMtu}) passes both ways unfragmented; one byte more does not cross`, async () => {
      const gateways = ['alpha', 'bravo'].map(gatewayOf);
      const fragments = await Promise.all(gateways.map(fragmentsCreated));
      await Promise.all(
        ['alpha', 'bravo'].map(async (lan) => {
          assert.ok(await pingOnSegment(hosts[lan]!.ns, ADDRESSES[other(lan)]!, { size: segmentMtu }), `${lan}: ${segmentMtu} bytes with DF`);
          assert.equal(await pingOnSegment(hosts[lan]!.ns, ADDRESSES[other(lan)]!, { size: segmentMtu + 1, lost: true }), false, `${lan}: one byte more`);
        }),
      );
      assert.deepEqual(await Promise.all(gateways.map(fragmentsCreated)), fragments, 'no gateway fragmented a packet');
    });

    it('a broadcast from either side reaches the other', async () => {
      await Promise.all(
        ['alpha', 'bravo'].map(async (lan) => {
          // From the other side only: a host's own broadcasts loop back to its input too.
          const seen = await watchPackets({ host: hosts[other(lan)]!.ns }, 'input', ['ip', 'saddr', ADDRESSES[lan]!, 'ip', 'daddr', SEGMENT.broadcast]);
          const sent = await broadcastOnSegment(hosts[lan]!.ns);
          assert.ok(sent >= 3, `${lan}'s host sent ${sent} broadcasts`);
          assert.equal(await seen.count(), sent, `${other(lan)}'s host got every broadcast of ${lan}'s`);
          await seen.remove();
        }),
      );
    });

    it('the third LAN sees none of it; a flood entry towards it would show (the capture can fail)', async () => {
      const none = { vxlan: 0, 'ip from the segment': 0, 'ip to the segment': 0, 'arp from the segment': 0, 'arp for the segment': 0 };
      assert.deepEqual(await charlieWatch.counts(), none, "nothing of the segment reached charlie's gateway on any interface");
      // alpha floods to charlie as well, as it would with charlie a member: charlie's capture counts it.
      const charlie = addressOn(links, 'alpha', 'charlie');
      await execInGateway(gatewayOf('alpha'), ['bridge', 'fdb', 'append', '00:00:00:00:00:00', 'dev', SEGMENT.device, 'dst', charlie]);
      await broadcastOnSegment(hosts['alpha']!.ns);
      assert.ok((await charlieWatch.counts()).vxlan >= 3, 'the capture on charlie sees VXLAN once it is sent there');
    });

    it(`past the segment MTU a frame no longer fits the tunnel whole: the gateway asks for ${segmentMtu} (DF) or fragments (no DF)`, async () => {
      // alpha's device is opened up, so that only the tunnel limits what crosses.
      const alpha = gatewayOf('alpha');
      await execInGateway(alpha, ['ip', 'link', 'set', 'dev', SEGMENT.device, 'mtu', String(segmentMtu + 100)]);
      const host = hosts['alpha']!.ns;
      const df = await execIn(host, ['ping', '-n', '-M', 'do', '-s', String(segmentMtu + 1 - 28), '-c', '1', '-W', '1', ADDRESSES['bravo']!], {
        allowFail: true,
      });
      assert.match(df.stdout, new RegExp(`mtu = ${segmentMtu}\\)`), "alpha's kernel tells the host the segment MTU over this tunnel");
      await execIn(host, ['ip', 'route', 'flush', 'cache']);
      const before = await fragmentsCreated(alpha);
      await execIn(host, ['ping', '-n', '-q', '-M', 'dont', '-s', String(segmentMtu + 1 - 28), '-c', '1', '-W', '1', ADDRESSES['bravo']!], { allowFail: true });
      assert.ok((await fragmentsCreated(alpha)) > before, `one byte over ${segmentMtu}, alpha fragments the VXLAN packet to fit the tunnel`);
    });

    it('up.sh again puts back what drifted (the flood entry, the MTU), then changes nothing', async () => {
      await execInGateway(gatewayOf('alpha'), [join(end('alpha').bundle, 'up.sh')], { env });
      assert.deepEqual(await floodEntries(gatewayOf('alpha')), [addressOn(links, 'alpha', 'bravo')], 'the stray flood entry is gone');
      assert.match((await vxlanDevice(gatewayOf('alpha')))!, new RegExp(` mtu ${segmentMtu} `), 'the MTU is back');
      const state = async () =>
        Promise.all(
          ['alpha', 'bravo'].map(async (lan) => ({
            device: await vxlanDevice(gatewayOf(lan)),
            floods: await floodEntries(gatewayOf(lan)),
            links: (await execInGateway(gatewayOf(lan), ['ip', '-o', 'link', 'show'])).stdout,
            bridge: bridgeRecord(end(lan)),
          })),
        );
      const first = await state();
      await Promise.all(installed.map((i) => execInGateway(i.site.gateway, [join(i.bundle, 'up.sh')], { env })));
      assert.deepEqual(await state(), first, 'the same devices (same ifindex), flood entries, bridges and records');
      assert.ok(await pingOnSegment(hosts['alpha']!.ns, ADDRESSES['bravo']!), 'the segment still carries');
    });

    it('VXLAN sent to a member from the WAN never reaches the segment; without the firewall it would (both flavours)', async () => {
      const members = ['alpha', 'bravo'];
      const wan = (lan: string) => gatewayOf(lan).wanAddress;
      const send = await vxlanFromWan(stranger, STRANGER, members.map(wan), INTRUDER);
      const seen = await Promise.all(members.map((lan) => watchArpFrom(hosts[lan]!.ns, INTRUDER)));
      const drops = () => Promise.all(members.map((lan) => vxlanDrops(end(lan), spec.mesh, FLAVOUR[lan]!)));
      const dropped = await drops();
      await send();
      assert.deepEqual(await Promise.all(seen.map((w) => w.count())), [0, 0], "nothing of the stranger's reached either segment host");
      (await drops()).forEach((n, i) => {
        assert.ok(n > dropped[i]!, `${members[i]}'s ${FLAVOUR[members[i]!]} counted the drop`);
      });
      await Promise.all(members.map((lan) => firewallSh(end(lan), 'unload')));
      try {
        await send();
        await pollUntil("the stranger's ARP to reach both segment hosts", 5_000, async () =>
          (await Promise.all(seen.map((w) => w.count()))).every((n) => n > 0) ? true : undefined,
        );
      } finally {
        await Promise.all(members.map((lan) => firewallSh(end(lan), 'load', FLAVOUR[lan]!)));
      }
      await Promise.all(seen.map((w) => w.remove()));
      assert.ok(await pingOnSegment(hosts['alpha']!.ns, ADDRESSES['bravo']!), 'the segment carries with the firewalls back');
    });

    it('up.sh --repair brings back a deleted VXLAN device, as it was', async () => {
      const bravo = gatewayOf('bravo');
      const before = (await vxlanDevice(bravo))!.replace(/^\d+: /, '');
      await execInGateway(bravo, ['ip', 'link', 'del', 'dev', SEGMENT.device]);
      assert.equal(await pingOnSegment(hosts['alpha']!.ns, ADDRESSES['bravo']!, { lost: true }), false, 'the segment is cut');
      await execInGateway(bravo, [join(end('bravo').bundle, 'up.sh'), '--repair'], { env });
      await waitSegmentUp(hosts['alpha']!.ns, ADDRESSES['bravo']!);
      assert.equal((await vxlanDevice(bravo))!.replace(/^\d+: /, ''), before, 'the same device: VNI, local, MAC, MTU, bridge');
      assert.deepEqual(await floodEntries(bravo), [addressOn(links, 'bravo', 'alpha')]);
    });

    it('down.sh removes exactly what up.sh added: bravo its bridge, alpha its device and not its bridge, which is down again', async () => {
      // The test's own port on bravo's bridge and its capture on charlie go first: they were not there before up.sh either.
      await execInGateway(gatewayOf('bravo'), ['ip', 'link', 'del', 'dev', ports['bravo']!]);
      await charlieWatch.remove();
      // A device never up has no qdisc ("noop"); up once, it keeps the kernel's default ("noqueue" for a bridge) when set down
      // again. That is the kernel's, not something up.sh added or down.sh could take back: alpha's seg0 is compared without it.
      const alpha = end('alpha');
      alpha.before = { ...alpha.before, links: alpha.before.links.replace(/(\d+: seg0: <[^>]*> mtu \d+ qdisc) noop /, '$1 noqueue ') };
      await downAll(installed, env);
      await assertRestored(installed);
      for (const i of installed) assert.equal(existsSync(join(i.bundle, 'run')), false, `${i.site.spec.name}: run/ is gone`);
    });

    it("leaving the last segment: a member's new bundle, which has no segments.sh, still removes what the old one made", async () => {
      const snapshots = installed.map((i) => i.before);
      installed = await upAll(installs, env);
      for (const [n, i] of installed.entries()) i.before = snapshots[n]!;
      for (const lan of ['alpha', 'bravo']) assert.ok(await vxlanDevice(gatewayOf(lan)), `${lan} has its VXLAN device again`);
      const left = join(lab.workDir, 'lans-without-segments.yaml');
      writeFileSync(left, withoutSegments(readFileSync(fixture, 'utf8')));
      const tarballs = await generateBundles(lab, left);
      for (const i of installed) await installBundle(lab, i.site.gateway, tarballs.get(i.site.spec.name)!, i.site.spec.name, 'main');
      await Promise.all(installed.map((i) => execInGateway(i.site.gateway, [join(i.bundle, 'up.sh')], { env })));
      for (const lan of ['alpha', 'bravo'])
        assert.equal(existsSync(join(end(lan).bundle, 'segments.sh')), false, `${lan}'s old segments.sh is gone from its folder`);
      for (const lan of ['alpha', 'bravo']) {
        assert.equal(await vxlanDevice(gatewayOf(lan)), undefined, `${lan}: its VXLAN device is gone`);
        assert.equal(existsSync(join(end(lan).bundle, 'run', 'segments')), false, `${lan}: run/segments/ is gone`);
      }
      const bridges = await execInGateway(gatewayOf('bravo'), ['ip', 'link', 'show', 'type', 'bridge']);
      assert.doesNotMatch(bridges.stdout, / br-lab: /, 'bravo: the bridge the old bundle made is gone');
      await downAll(installed, env);
      await assertRestored(installed);
    });
  });
}

/** The same lans.yaml with no segments: mesh.segments and every gateway's bridges taken out. */
function withoutSegments(text: string): string {
  const doc = parseDocument(text);
  doc.deleteIn(['mesh', 'segments']);
  const lans = doc.getIn(['lans']) as { items: unknown[] };
  for (const n of lans.items.keys()) doc.deleteIn(['lans', n, 'gateway', 'bridges']);
  return doc.toString();
}
