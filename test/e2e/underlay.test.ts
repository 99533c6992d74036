import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { OVERHEAD } from '../../src/model/mtu.js';
import { pollUntil, sleep } from './exec.js';
import { watchPackets } from './firewall.js';
import { allLinks, type Backend, waitLinksUp } from './links.js';
import {
  buildNetwork,
  fragmentsCreated,
  generateBundles,
  type Installed,
  installBundle,
  type Mesh,
  readFixture,
  tunnelMtuOf,
  upAll,
  WG_USERSPACE_ENV,
} from './mesh.js';
import { cleanup, createLab, execIn, execInGateway, type Lab, remainingNamespaces } from './netns.js';
import { missingPrerequisite, skipUnlessRequired } from './prerequisites.js';

const READY_MS = 40_000;
/** What the issue asks of a dial-out link after its listening end restarts. */
const RECOVERY_MS = 15_000;
/**
 * The framing OpenVPN 2.6 really uses between two 2.6 gateways (P_DATA_V2,
 * 4-byte packet id): 4 bytes less than the 56 the tunnel MTU leaves, which
 * two 2.7 gateways need (src/model/mtu.ts).
 */
const MEASURED_FRAMING = { openvpn: 52, wireguard: 60 };
const UNDERLAYS = [1500, 1400];

/** Two LANs: alpha can be dialled, delta only dials out, from behind a NAT. */
function lansYaml(backend: 'openvpn' | 'wireguard', underlayMtu: number): string {
  return `mesh:
  name: ul${backend === 'openvpn' ? 'ovpn' : 'wg'}
  backend: ${backend}
  underlayMtu: ${underlayMtu}

lans:
  - name: alpha
    subnets: [10.1.0.0/24]
    gateway:
      endpoint: 198.51.100.11
      lanAddress: 10.1.0.1

  - name: delta
    subnets: [10.4.0.0/24]
    gateway:
      lanAddress: 10.4.0.1
`;
}

interface Pair {
  underlayMtu: number;
  lab: Lab;
  mesh: Mesh;
  alpha: Installed;
  delta: Installed;
}

async function bringUp(backend: Backend, underlayMtu: number): Promise<Pair> {
  const lab = createLab();
  const file = join(lab.workDir, 'lans.yaml');
  writeFileSync(file, lansYaml(backend.name, underlayMtu));
  const [mesh, tarballs] = await Promise.all([buildNetwork(lab, readFixture(file).lans, underlayMtu), generateBundles(lab, file)]);
  // The LAN bridges settle while the hosts answer: up.sh's "before" snapshot is then the settled one.
  for (const site of mesh.sites) await execIn(site.hosts[0]!.ns, ['ping', '-n', '-q', '-c', '1', '-w', '5', site.spec.lanAddress]);
  const installs = await Promise.all(
    mesh.sites.map(async (site) => ({ site, bundle: await installBundle(lab, site.gateway, tarballs.get(site.spec.name)!, site.spec.name, 'main') })),
  );
  const [alpha, delta] = (await upAll(installs, backend.env)) as [Installed, Installed];
  await waitLinksUp(backend, allLinks([alpha, delta]), READY_MS);
  return { underlayMtu, lab, mesh, alpha, delta };
}

/** One ping with DF set, `size` bytes of IP packet, from a LAN host to another. */
async function dfPing(from: Installed, to: Installed, size: number): Promise<boolean> {
  const r = await execIn(from.site.hosts[0]!.ns, ['ping', '-n', '-q', '-M', 'do', '-s', String(size - 28), '-c', '1', '-w', '3', to.site.hosts[0]!.address], {
    allowFail: true,
  });
  return r.code === 0;
}

/** Milliseconds until delta's LAN host gets an answer from alpha's again, polling every 200 ms. */
async function untilAnswered(pair: Pair, deadlineMs: number): Promise<number> {
  const t0 = Date.now();
  while (Date.now() - t0 < deadlineMs) {
    const r = await execIn(pair.delta.site.hosts[0]!.ns, ['ping', '-n', '-q', '-c', '1', '-W', '1', pair.alpha.site.hosts[0]!.address], { allowFail: true });
    if (r.code === 0) return Date.now() - t0;
    await sleep(200);
  }
  return Infinity;
}

for (const name of ['openvpn', 'wireguard'] as const) {
  const missing = missingPrerequisite(name);
  describe(`${name}: a dial-out pair over 1500- and 1400-byte underlays`, { skip: skipUnlessRequired(missing) }, () => {
    const backend: Backend = { name, mesh: `ul${name === 'openvpn' ? 'ovpn' : 'wg'}`, env: name === 'wireguard' ? WG_USERSPACE_ENV : {} };
    let pairs: Pair[] = [];

    before(async () => {
      if (missing) assert.fail(`P2PVPN_E2E=required, but ${missing}`);
      pairs = await Promise.all(UNDERLAYS.map((mtu) => bringUp(backend, mtu)));
    });

    after(() => {
      for (const p of pairs) {
        assert.deepEqual(cleanup(p.lab), [], 'every process started in the namespaces is gone');
        assert.deepEqual(remainingNamespaces(p.lab.prefix), [], 'every namespace of the run is deleted');
      }
    });

    it(`a DF packet of the tunnel MTU crosses both ways at either underlay in ${MEASURED_FRAMING[name]} bytes more; one byte more is refused`, async () => {
      for (const { underlayMtu, alpha, delta } of pairs) {
        const mtu = tunnelMtuOf(alpha.bundle, name, backend.mesh, 'delta');
        assert.equal(mtu, underlayMtu - OVERHEAD[name], 'the bundle carries the MTU computed from the underlay');
        const port = name === 'openvpn' ? /^lport (\d+)$/m.exec(readFileSync(join(alpha.bundle, 'openvpn/delta.conf'), 'utf8'))![1]! : '51820';
        const outer = await watchPackets({ gateway: alpha.site.gateway }, 'postrouting', [
          'oifname',
          'wan',
          'udp',
          'sport',
          port,
          'ip',
          'length',
          String(mtu + MEASURED_FRAMING[name]),
        ]);
        const fragments = await Promise.all([alpha, delta].map((i) => fragmentsCreated(i.site.gateway)));
        try {
          assert.ok(await dfPing(alpha, delta, mtu), `${underlayMtu}: a ${mtu}-byte DF packet crosses from alpha to delta`);
          assert.ok(await dfPing(delta, alpha, mtu), `${underlayMtu}: and back`);
          assert.ok((await outer.count()) >= 1, `${underlayMtu}: alpha sent it as one ${mtu + MEASURED_FRAMING[name]}-byte packet`);
        } finally {
          await outer.remove();
        }
        assert.deepEqual(await Promise.all([alpha, delta].map((i) => fragmentsCreated(i.site.gateway))), fragments, 'no gateway fragments');
        assert.equal(await dfPing(alpha, delta, mtu + 1), false, `${underlayMtu}: a ${mtu + 1}-byte DF packet is refused at the tunnel`);
        process.stderr.write(`  ${name} underlay ${underlayMtu}: tunnel MTU ${mtu}, a full packet leaves as ${mtu + MEASURED_FRAMING[name]} bytes\n`);
      }
    });

    if (name === 'openvpn') {
      it(`delta, which only dials out, answers within ${RECOVERY_MS / 1000} s of alpha, the end it dials, restarting: cleanly, or killed`, async () => {
        const pair = pairs[0]!;
        const { alpha } = pair;
        const env = backend.env;
        await execInGateway(alpha.site.gateway, [join(alpha.bundle, 'down.sh')], { env });
        await execInGateway(alpha.site.gateway, [join(alpha.bundle, 'up.sh')], { env });
        const clean = await untilAnswered(pair, 60_000);
        const pid = readFileSync(join(alpha.bundle, 'run', 'delta.pid'), 'utf8').trim();
        // As a power cut would: no exit notification. The gateway comes back and its service runs up.sh.
        await execInGateway(alpha.site.gateway, ['kill', '-9', pid]);
        await pollUntil(`openvpn ${pid} to be gone`, 10_000, async () => (existsSync(`/proc/${pid}`) ? undefined : true), 50);
        await execInGateway(alpha.site.gateway, [join(alpha.bundle, 'up.sh')], { env });
        const killed = await untilAnswered(pair, 60_000);
        process.stderr.write(
          `  dial-out link answering again after alpha's up.sh: ${(clean / 1000).toFixed(1)} s after a clean restart,` +
            ` ${(killed / 1000).toFixed(1)} s after its process was killed\n`,
        );
        assert.ok(clean < RECOVERY_MS, `after a clean restart: ${clean} ms`);
        assert.ok(killed < RECOVERY_MS, `after a kill: ${killed} ms`);
      });
    }
  });
}
