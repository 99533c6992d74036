import assert from 'node:assert/strict';
import { appendFileSync, existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { LOG_CAP_KIB } from '../../src/plan/openvpn.js';
import { pollUntil, sleep } from './exec.js';
import { assertNoOutage, assertStillRunning, duringPingsBetween, tunnelProcesses } from './lifecycle.js';
import { allLinks, type Backend, type Link, waitLinksUp } from './links.js';
import type { Installed } from './mesh.js';
import { execIn, execInGateway, processesIn } from './netns.js';

/** What a daemon whose device is gone may add to its log in SPIN_MS (README: "Gateway checklist"); without `mute` it was ~75 MB. */
export const LOG_GROWTH_BOUND = 16 * 1024;
const SPIN_MS = 5_000;
const LOG_CAP = LOG_CAP_KIB * 1024;

/** The two ways to mend a broken link: up.sh itself, and the entry point the repair timer runs. */
const ENTRY_POINTS = [['up.sh'], ['up.sh', '--repair']];

/**
 * Breaks `self`'s tunnel to `peer` under its daemon, twice, and mends it once with
 * each entry point, while every link that does not go through the broken tunnel
 * keeps passing pings and keeps its tunnel processes. OpenVPN: the device is deleted
 * under a running openvpn, which spins, and its log must stay small. WireGuard: the
 * interface is deleted (wireguard-go must exit, not spin), then wireguard-go is killed.
 */
export async function assertBrokenTunnelRepaired(backend: Backend, installed: Installed[], readyMs: number): Promise<void> {
  const [self, peer] = installed as [Installed, Installed];
  const broken = (l: Link) => (backend.name === 'openvpn' ? l.ends.includes(self) && l.ends.includes(peer) : l.ends.includes(self));
  const links = allLinks(installed);
  const [mended, others] = [links.filter(broken), links.filter((l) => !broken(l))];
  const keep = tunnelProcesses(installed).filter(
    (p) => !(p.ns === self.site.gateway.ns && (backend.name === 'wireguard' || p.command.includes(`openvpn/${peer.site.spec.name}.conf`))),
  );
  const tallies = await duringPingsBetween(
    others.map((l) => [l.ends[0].site.hosts[0]!, l.ends[1].site.hosts[0]!] as const),
    async () => {
      for (const [n, entry] of ENTRY_POINTS.entries()) {
        if (backend.name === 'openvpn') await deleteOpenvpnDevice(self, peer);
        else await breakWireguard(self, backend.mesh, n === 0 ? 'delete the interface' : 'kill wireguard-go');
        const r = await execInGateway(self.site.gateway, [join(self.bundle, entry[0]!), ...entry.slice(1)], { env: backend.env });
        await waitLinksUp(backend, mended, readyMs);
        const back = await Promise.all(
          mended.map((l) =>
            execIn(l.ends[0].site.hosts[0]!.ns, ['ping', '-n', '-q', '-c', '1', '-w', '10', l.ends[1].site.hosts[0]!.address], { allowFail: true }),
          ),
        );
        assert.deepEqual(
          back.map((p) => p.code),
          mended.map(() => 0),
          `every broken link carries traffic again after ${entry.join(' ')}`,
        );
        if (backend.name === 'openvpn')
          assert.match(r.stdout, new RegExp(`tunnel to ${peer.site.spec.name} is broken`), `${entry.join(' ')} says what it restarted`);
      }
    },
  );
  assertNoOutage(tallies, installed, backend);
  assertStillRunning(keep);
}

/** Deletes the device under a running openvpn: it stays, spins, and its log grows only by what mute lets through. */
async function deleteOpenvpnDevice(self: Installed, peer: Installed): Promise<void> {
  const name = peer.site.spec.name;
  const pid = readFileSync(join(self.bundle, 'run', `${name}.pid`), 'utf8').trim();
  const log = join(self.bundle, 'run', `${name}.log`);
  const start = statSync(log).size;
  await execInGateway(self.site.gateway, ['ip', 'link', 'del', 'dev', `vpn-${name}`]);
  await sleep(SPIN_MS);
  assert.equal(readFileSync(`/proc/${pid}/comm`, 'utf8').trim(), 'openvpn', 'the daemon outlives its device (the failure this repairs)');
  const grown = statSync(log).size - start;
  process.stderr.write(`  openvpn ${self.site.spec.name}/${name}: device deleted, log grew ${grown} bytes in ${SPIN_MS / 1000} s\n`);
  assert.ok(grown < LOG_GROWTH_BOUND, `the log of a spinning daemon grew ${grown} bytes in ${SPIN_MS} ms, over ${LOG_GROWTH_BOUND}`);
}

/** Takes wg-<mesh> away under wireguard-go one way or the other; either way no wireguard-go is left running (none spins). */
async function breakWireguard(self: Installed, mesh: string, how: 'delete the interface' | 'kill wireguard-go'): Promise<void> {
  const gateway = self.site.gateway;
  const daemons = () => processesIn(gateway.ns).filter((p) => p.endsWith(' wireguard-go'));
  assert.equal(daemons().length, 1, 'one wireguard-go runs the interface');
  if (how === 'delete the interface') await execInGateway(gateway, ['ip', 'link', 'del', 'dev', `wg-${mesh}`]);
  else await execInGateway(gateway, ['kill', '-KILL', daemons()[0]!.split(' ')[0]!]);
  await pollUntil(`wireguard-go to be gone after "${how}"`, 5_000, async () => (daemons().length === 0 ? true : undefined));
  // Not waited for: the kernel removes the tun device a moment after its last descriptor
  // closes, and up.sh must mend the link whether or not it is still there when it runs.
  if (how === 'delete the interface')
    assert.notEqual((await execInGateway(gateway, ['ip', 'link', 'show', 'dev', `wg-${mesh}`], { allowFail: true })).code, 0, `wg-${mesh} is gone`);
}

/** up.sh --repair empties a log past the cap into <peer>.log.1, under the running daemon, which goes on logging into it. */
export async function assertLogCapped(backend: Backend, self: Installed, peer: Installed): Promise<void> {
  const log = join(self.bundle, 'run', `${peer.site.spec.name}.log`);
  appendFileSync(log, `${'x'.repeat(1023)}\n`.repeat(LOG_CAP / 1024 + 1));
  await execInGateway(self.site.gateway, [join(self.bundle, 'up.sh'), '--repair'], { env: backend.env });
  assert.ok(statSync(log).size < LOG_CAP / 64, 'the log was emptied');
  assert.ok(existsSync(`${log}.1`) && statSync(`${log}.1`).size > LOG_CAP, 'its last megabyte is kept as .log.1');
  // OpenVPN appends: a line it writes now lands at the start of the emptied file, not past a hole.
  const pid = readFileSync(join(self.bundle, 'run', `${peer.site.spec.name}.pid`), 'utf8').trim();
  await execInGateway(self.site.gateway, ['kill', '-USR2', pid]);
  await pollUntil('openvpn to log its status', 5_000, async () => (readFileSync(log, 'utf8').includes('OpenVPN STATISTICS') ? true : undefined));
  assert.ok(!readFileSync(log, 'utf8').startsWith('\0'), 'no hole of zeros where the old log was');
}
