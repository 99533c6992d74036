import assert from 'node:assert/strict';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BIN, FIXTURES } from '../support/cli.js';
import { exec, pollUntil, sleep } from './exec.js';
import {
  allGateways,
  bgpSessions,
  birdc,
  birdRoutes,
  buildHaNetwork,
  countForwarded,
  type HaGateway,
  type HaNetwork,
  holdsAddress,
  killGateway,
  pingHaMatrix,
  readHaFixture,
  reviveGateway,
  routingDaemons,
  sysctlAll,
  vrrpLog,
  vrrpState,
  waitBgpUp,
} from './ha.js';
import { outDir, WG_USERSPACE_ENV } from './mesh.js';
import { cleanup, createLab, execInGateway, ip, type Lab, remainingNamespaces, type Snapshot, snapshot } from './netns.js';
import { type ContinuousPing, type PingTally, startPing } from './ping.js';
import { missingPrerequisite, ROUTING_TOOLS, skipUnlessRequired } from './prerequisites.js';

const READY_MS = 60_000;
/** The issue's bound: a ping every 100 ms from each other LAN may lose at most 3 s across a failover or a failback. */
const MAX_LOST = 30;

/** A continuous ping from a host of every other LAN to the host of the LAN with two gateways. */
async function pingsToHaLan(network: HaNetwork, ha: HaNetwork['sites'][number]): Promise<ContinuousPing[]> {
  const target = ha.hosts[0]!;
  return Promise.all(network.sites.filter((s) => s !== ha).map((s) => startPing(s.hosts[0]!, target)));
}

/** How much of a continuous ping was lost, as the report prints it. */
function lossOf(t: PingTally): string {
  return `${t.from} -> ${t.to}: ${(t.missing.length / 10).toFixed(1)} s lost (${t.missing.length} of ${t.window})`;
}

/** The whole high-availability story for one backend, each step a test so a failure names the step. */
export function describeHaSuite(backendName: 'openvpn' | 'wireguard'): void {
  const missing = missingPrerequisite(backendName, ROUTING_TOOLS);
  const fixture = join(FIXTURES, 'e2e', `ha-${backendName}`, 'lans.yaml');
  describe(`${backendName}: a LAN with two gateways, BGP and BFD over the mesh, in network namespaces`, { skip: skipUnlessRequired(missing) }, () => {
    const spec = readHaFixture(fixture);
    const env = backendName === 'wireguard' ? WG_USERSPACE_ENV : {};
    let lab: Lab;
    let network: HaNetwork;
    let before0: Map<string, Snapshot>;
    const started = Date.now();
    const measured: string[] = [];
    const ha = () => network.sites.find((s) => s.spec.vip !== undefined)!;
    const [first, second] = [() => ha().gateways[0]!, () => ha().gateways[1]!];
    const site = (lan: string) => network.sites.find((s) => s.spec.name === lan)!;
    const up = (g: HaGateway) => execInGateway(g.gateway, [join(g.bundle, 'up.sh')], { env, timeoutMs: 60_000 });

    before(async () => {
      if (missing) assert.fail(`P2PVPN_E2E=required, but ${missing}`);
      lab = createLab();
      const state = join(lab.workDir, 'state');
      [network] = await Promise.all([
        buildHaNetwork(lab, spec),
        exec([process.execPath, BIN, 'generate', fixture, '--out', outDir(lab), '--state', state], { timeoutMs: 120_000 }),
      ]);
      for (const g of allGateways(network)) {
        const dir = join(lab.workDir, 'gateways', g.spec.id);
        await exec(['mkdir', '-p', '-m', '0700', dir]);
        await execInGateway(g.gateway, ['tar', '-C', dir, '-xzf', join(outDir(lab), `${g.spec.id}.tar.gz`)]);
        g.bundle = join(dir, g.spec.id);
        // A veth to the LAN switch reports NO-CARRIER for a moment: the snapshot taken before up.sh must be the settled one.
        await pollUntil(
          `${g.spec.id}'s LAN link to be up`,
          5_000,
          async () => ((await ip(g.gateway.ns, 'link', 'show', 'lan')).stdout.includes('state UP') ? true : undefined),
          50,
        );
      }
    });

    after(() => {
      if (!lab) return;
      assert.deepEqual(cleanup(lab), [], 'every process started in the namespaces is gone');
      assert.deepEqual(remainingNamespaces(lab.prefix), [], 'every namespace of the run is deleted');
      process.stderr.write(
        `${backendName} high availability end-to-end: ${((Date.now() - started) / 1000).toFixed(1)} s\n${measured.map((l) => `  ${l}\n`).join('')}`,
      );
    });

    it('up.sh everywhere: every BGP session is established and the first gateway holds the VIP', async () => {
      // Strict reverse-path filtering, as some distributions set it: up.sh must loosen it, down.sh put it back.
      await sysctlAll(network, 'net.ipv4.conf.all.rp_filter=1');
      await sysctlAll(network, 'net.ipv4.conf.default.rp_filter=1');
      before0 = new Map(await Promise.all(allGateways(network).map(async (g) => [g.spec.id, await snapshot(g.gateway)] as const)));
      await Promise.all(allGateways(network).map(up));
      await waitBgpUp(network, READY_MS);
      await pollUntil(`${first().spec.id} to hold the VIP`, 15_000, async () =>
        vrrpState(first()) === 'MASTER' && vrrpState(second()) === 'BACKUP' ? true : undefined,
      );
      assert.ok(await holdsAddress(first(), spec.lans[0]!.vip!), 'the VIP is on the first gateway');
      assert.ok(!(await holdsAddress(second(), spec.lans[0]!.vip!)), 'and only there');
    });

    it('every gateway routes exactly the other LANs through BIRD, no default route, none to its own LAN', async () => {
      for (const g of allGateways(network)) {
        const others = spec.lans
          .filter((l) => l.name !== g.lan)
          .flatMap((l) => l.subnets)
          .sort();
        assert.deepEqual(await birdRoutes(g), others, `${g.spec.id}'s BIRD routes`);
      }
    });

    it('every host reaches every host of every other LAN; LAN alpha through its VIP', async () => {
      assert.deepEqual(
        (await pingHaMatrix(network)).filter((p) => !p.ok),
        [],
      );
    });

    it('while both gateways are up, both directions of a flow pass the one that holds the VIP', async () => {
      const [from, to] = [site('bravo').hosts[0]!, ha().hosts[0]!];
      // A moment of a link's BFD lost under load moves the VIP (the other gateway then carries more): such a run says nothing, run again.
      for (let attempt = 1; ; attempt++) {
        const transitions = [vrrpLog(first()), vrrpLog(second())].join('|');
        const counters = await Promise.all([first(), second()].map((g) => countForwarded(g, from.address, to.address)));
        try {
          await exec(['ip', 'netns', 'exec', from.ns, 'ping', '-n', '-q', '-c', '20', '-i', '0.05', '-w', '5', to.address]);
          const [a, b] = await Promise.all(counters.map((c) => c.read()));
          if ([vrrpLog(first()), vrrpLog(second())].join('|') !== transitions && attempt < 3) continue;
          assert.deepEqual(a, [20, 20], `${first().spec.id} forwards both directions (VRRP changes: ${vrrpLog(first())} / ${vrrpLog(second())})`);
          assert.deepEqual(b, [0, 0], `${second().spec.id} forwards neither`);
          return;
        } finally {
          await Promise.all(counters.map((c) => c.remove()));
        }
      }
    });

    it("a peer announcing prefixes it does not own (another LAN's, a longer one, a default) is not believed", async () => {
      const rogue = site('delta').gateways[0]!;
      const conf = join(rogue.bundle, 'bird/bird.conf');
      const original = readFileSync(conf, 'utf8');
      const lies = ['10.1.0.0/16', '10.1.128.0/17', '0.0.0.0/0', '192.168.20.0/24'];
      writeFileSync(
        conf,
        original.replace('  route 10.40.0.0/20 blackhole;\n', `  route 10.40.0.0/20 blackhole;\n${lies.map((l) => `  route ${l} blackhole;\n`).join('')}`),
      );
      try {
        assert.match((await birdc(rogue, 'configure')).stdout, /Reconfigured/);
        // delta does announce them: the peers refuse them.
        await pollUntil('delta to export its lies', 10_000, async () =>
          (await birdc(rogue, 'show', 'route', 'export', 'gw_bravo')).stdout.includes('0.0.0.0/0') ? true : undefined,
        );
        await sleep(1_000);
        for (const g of allGateways(network).filter((x) => x !== rogue)) {
          const others = spec.lans
            .filter((l) => l.name !== g.lan)
            .flatMap((l) => l.subnets)
            .sort();
          assert.deepEqual(await birdRoutes(g), others, `${g.spec.id} believes only the true routes`);
          const fromDelta = (await birdc(g, 'show', 'route', 'protocol', 'gw_delta')).stdout;
          assert.doesNotMatch(fromDelta, /0\.0\.0\.0\/0|10\.1\.|192\.168\.20\./, `${g.spec.id} holds none of delta's lies`);
        }
        const stats = (await birdc(site('bravo').gateways[0]!, 'show', 'protocols', 'all', 'gw_delta')).stdout;
        assert.match(stats, /Import updates:\s+\d+\s+\d+\s+([1-9]\d*)/, 'bravo counts them as filtered');
        assert.ok(
          (
            await exec(['ip', 'netns', 'exec', site('bravo').hosts[0]!.ns, 'ping', '-n', '-q', '-c', '2', '-i', '0.2', '-w', '5', ha().hosts[0]!.address], {
              allowFail: true,
            })
          ).code === 0,
          'bravo still reaches alpha',
        );
      } finally {
        writeFileSync(conf, original);
        await birdc(rogue, 'configure');
      }
    });

    /** Runs `change` while every other LAN pings alpha's host every 100 ms; at most 3 s of each ping may be lost. */
    async function whilePinging(what: string, change: () => Promise<void>): Promise<void> {
      const pings = await pingsToHaLan(network, ha());
      try {
        await sleep(1_000);
        await change();
      } finally {
        const tallies = await Promise.all(pings.map((p) => p.stop()));
        for (const t of tallies) measured.push(`${what} ${lossOf(t)}`);
        for (const t of tallies) assert.ok(t.missing.length <= MAX_LOST, `${what}: ${lossOf(t)}`);
      }
    }

    it('the gateway holding the VIP dies (underlay down, every daemon killed): each other LAN loses at most 3 s', async () => {
      await whilePinging('failover', async () => {
        await killGateway(first());
        await pollUntil(
          `${second().spec.id} to take the VIP`,
          10_000,
          async () => ((await holdsAddress(second(), spec.lans[0]!.vip!)) ? true : undefined),
          100,
        );
        await sleep(4_000);
      });
      assert.equal(vrrpState(second()), 'MASTER');
    });

    it('brought back (underlay up, up.sh), it takes the VIP back once all its links are up: again at most 3 s lost', async () => {
      await whilePinging('failback', async () => {
        await reviveGateway(first(), env);
        await pollUntil(`${first().spec.id} to hold the VIP again`, READY_MS, async () => (vrrpState(first()) === 'MASTER' ? true : undefined), 250);
        await sleep(3_000);
      });
      assert.equal(vrrpState(second()), 'BACKUP');
      await waitBgpUp(network, READY_MS);
      assert.deepEqual(
        (await pingHaMatrix(network)).filter((p) => !p.ok),
        [],
      );
    });

    it('up.sh again keeps every daemon; with a changed bird.conf BIRD rereads it in place', async () => {
      const daemons = allGateways(network).map(routingDaemons);
      const snaps = await Promise.all(allGateways(network).map((g) => snapshot(g.gateway)));
      await Promise.all(allGateways(network).map(up));
      assert.deepEqual(allGateways(network).map(routingDaemons), daemons, 'same BIRD and keepalived processes');
      const again = await Promise.all(allGateways(network).map((g) => snapshot(g.gateway)));
      allGateways(network).forEach((g, i) => {
        assert.deepEqual(again[i]!.processes, snaps[i]!.processes, `${g.spec.id}: same processes`);
      });
      const bravo = site('bravo').gateways[0]!;
      appendFileSync(join(bravo.bundle, 'bird/bird.conf'), '# changed\n');
      const r = await up(bravo);
      assert.match(r.stdout, /BIRD: reread bird\/bird\.conf/);
      assert.deepEqual(routingDaemons(bravo), daemons[allGateways(network).indexOf(bravo)]);
      assert.equal((await bgpSessions(bravo)).all, 4);
      await waitBgpUp(network, READY_MS);
    });

    it('a BIRD or keepalived that died comes back with up.sh --repair (what the repair timer runs); the others keep running', async () => {
      const [bravo, backup] = [site('bravo').gateways[0]!, second()];
      const daemons = allGateways(network).map(routingDaemons);
      const victims = [...routingDaemons(bravo).filter((d) => d.endsWith(' bird')), ...routingDaemons(backup).filter((d) => d.endsWith(' keepalived'))];
      assert.equal(victims.length, 3, `one BIRD on bravo, keepalived's two processes on ${backup.spec.id}: ${victims.join(', ')}`);
      for (const v of victims) process.kill(Number(v.split(' ')[0]), 'SIGKILL');
      await Promise.all([bravo, backup].map((g) => execInGateway(g.gateway, [join(g.bundle, 'up.sh'), '--repair'], { env, timeoutMs: 60_000 })));
      allGateways(network).forEach((g, i) => {
        if (g !== bravo && g !== backup) assert.deepEqual(routingDaemons(g), daemons[i], `${g.spec.id} untouched`);
      });
      assert.equal(routingDaemons(bravo).filter((d) => d.endsWith(' bird')).length, 1, 'BIRD is back on bravo');
      assert.equal(routingDaemons(backup).filter((d) => d.endsWith(' keepalived')).length, 2, `keepalived is back on ${backup.spec.id}`);
      await waitBgpUp(network, READY_MS);
      await pollUntil(`${backup.spec.id} to be BACKUP again`, 15_000, async () =>
        vrrpState(backup) === 'BACKUP' && vrrpState(first()) === 'MASTER' ? true : undefined,
      );
      assert.deepEqual(
        (await pingHaMatrix(network)).filter((p) => !p.ok),
        [],
      );
    });

    it('down.sh puts back addresses, routes, links, forwarding, rp_filter and processes; no BIRD or keepalived is left', async () => {
      await Promise.all(allGateways(network).map((g) => execInGateway(g.gateway, [join(g.bundle, 'down.sh')], { env, timeoutMs: 60_000 })));
      for (const g of allGateways(network)) {
        const now = await pollUntil(`${g.spec.id} to settle`, 10_000, async () => {
          const s = await snapshot(g.gateway);
          return s.processes.length === before0.get(g.spec.id)!.processes.length ? s : undefined;
        }).catch(() => snapshot(g.gateway));
        const was = before0.get(g.spec.id)!;
        for (const key of ['addresses', 'routes', 'links', 'ipForward', 'firewall'] as const) assert.equal(now[key], was[key], `${g.spec.id}: ${key}`);
        assert.deepEqual(now.processes, was.processes, `${g.spec.id}: processes`);
        const rp = await execInGateway(g.gateway, ['cat', '/proc/sys/net/ipv4/conf/all/rp_filter', '/proc/sys/net/ipv4/conf/default/rp_filter']);
        assert.equal(rp.stdout, '1\n1\n', `${g.spec.id}: rp_filter strict again`);
      }
    });
  });
}
