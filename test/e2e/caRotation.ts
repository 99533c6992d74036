import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { exec, pollUntil, sleep } from './exec.js';
import { assertNoOutage, assertStillRunning, duringPings, type LiveMesh, regenerate, runScript, tunnelProcesses } from './lifecycle.js';
import { allLinks, type Link, waitLinksUp } from './links.js';
import { type Installed, installBundle, outDir } from './mesh.js';
import type { PingTally } from './ping.js';

/**
 * How long one link may go without an answer while one of its ends restarts
 * (its ends restart one after the other): the old process exits, taking its
 * device and routes, the new one starts and completes a TLS handshake, 1.7
 * to 4.6 s measured here. Where the restarting end is dialled by a gateway
 * that only dials out, that one restarts too when told (explicit-exit-notify):
 * a 1 s pause, then its handshake is retried after 2 s and 4 s, up to 6.7 s
 * measured. 10 s leaves room for a loaded machine.
 */
const RESTART_GAP_PINGS = 100;

/** The bundles as they were before the rotation: a gateway that presents its old certificate, in step 2. */
export interface RotationStart {
  tarballs: Map<string, string>;
}

/**
 * Step 1, `p2pvpn rotate --ca`, on the running mesh, while a ping crosses
 * every link every 100 ms. Every bundle changes. The gateways take theirs one
 * at a time, each waiting for every link to be up again, so that bundles
 * before and after the rotation meet on every link. Each tunnel restarts
 * exactly once (its certificate is new), no handshake is ever refused, no
 * link is without answers longer than its two restarts take, and at the end
 * every certificate is the new CA's (`newCa`, as OpenVPN prints the subject).
 */
export async function rotateCaLive(live: LiveMesh, lansFile: string, newCa: RegExp): Promise<RotationStart> {
  const saved = join(live.lab.workDir, 'before-ca-rotation');
  mkdirSync(saved, { recursive: true, mode: 0o700 });
  const before = new Map<string, string>();
  for (const i of live.installed) {
    const lan = i.site.spec.name;
    before.set(lan, join(saved, `${lan}.tar.gz`));
    copyFileSync(join(outDir(live.lab), `${lan}.tar.gz`), before.get(lan)!);
  }
  await restartingStep(live, lansFile, ['rotate', '--ca']);
  for (const link of allLinks(live.installed)) {
    for (const [self, peer] of [link.ends, [link.ends[1], link.ends[0]]] as const)
      assert.match(tunnelLog(self, peer), newCa, `${self.site.spec.name} verified ${peer.site.spec.name} by the new CA`);
  }
  return { tarballs: before };
}

/**
 * Step 2, `p2pvpn rotate --ca --finish`. Where every certificate already
 * had extendedKeyUsage, only keys/ca.crt and keys/crl.pem change, so no
 * tunnel restarts and no link has an outage (the checks of a LAN joining
 * live). In a mesh imported from P2P-VPN the configs now demand EKU
 * (remote-cert-tls) of every peer, so each tunnel restarts once more, as in
 * step 1. Then one gateway takes back its certificate and key from before
 * the rotation and, from the second handshake on, is refused by all its
 * peers: tunnels that have trusted the old CA since step 1 refuse it by the
 * CRL they re-read ("certificate revoked"), tunnels (re)started since do not
 * know that CA at all.
 */
export async function finishCaLive(live: LiveMesh, lansFile: string, start: RotationStart, opts: { demandsEku: boolean }): Promise<void> {
  const { lab, backend } = live;
  const tarballs = opts.demandsEku
    ? await restartingStep(live, lansFile, ['rotate', '--ca', '--finish'])
    : await quietStep(live, lansFile, ['rotate', '--ca', '--finish']);
  // The configs the tunnels now run demand EKU (their logs may not say so: mute 20 keeps OpenVPN's EKU lines short).
  if (opts.demandsEku)
    for (const link of allLinks(live.installed))
      for (const [self, peer] of [link.ends, [link.ends[1], link.ends[0]]] as const)
        assert.match(readFileSync(join(self.bundle, 'openvpn', `${peer.site.spec.name}.conf`), 'utf8'), /^remote-cert-tls (client|server)$/m);
  const [stale, ...peers] = live.installed as [Installed, ...Installed[]];
  await presentOldCertificate(live, stale, start.tarballs.get(stale.site.spec.name)!);
  // OpenVPN re-reads crl.pem when it prepares a key negotiation (ssl.c, key_state_init), so a tunnel still
  // on the CRL it read before step 2 may let the first handshake through; from the next one the CRL holds.
  await sleep(live.stayDownMs);
  await restartTunnels(live, stale);
  const refusal = /VERIFY ERROR: depth=0, error=(certificate revoked|unable to get local issuer certificate)/;
  try {
    // The peers' tunnels keep running (and their logs), so the verdict is theirs: each refuses, none of stale's new tunnels comes up.
    await pollUntil('every peer to refuse the old certificate', live.readyMs, async () =>
      peers.every((p) => refusal.test(tunnelLog(p, stale))) ? true : undefined,
    );
    await sleep(live.stayDownMs);
    for (const peer of peers)
      assert.doesNotMatch(tunnelLog(stale, peer), /Initialization Sequence Completed/, `${stale.site.spec.name}'s tunnel to ${peer.site.spec.name} stays down`);
    // A dialler told of the restart restarts too and reads the CAs anew; the others still hold the old CA, and the CRL refuses it.
    if (!opts.demandsEku)
      assert.ok(
        peers.some((p) => /error=certificate revoked/.test(tunnelLog(p, stale))),
        'a tunnel running since step 1 refuses it by the CRL',
      );
  } finally {
    await installBundle(lab, stale.site.gateway, tarballs.get(stale.site.spec.name)!, stale.site.spec.name, 'main');
    await runScript(stale, 'up.sh', backend);
  }
  await waitLinksUp(backend, allLinks(live.installed), live.readyMs);
}

/** A step whose bundles restart every tunnel: taken one gateway at a time, each end restarts once, nothing is refused, gaps stay short. */
async function restartingStep(live: LiveMesh, lansFile: string, command: string[]): Promise<Map<string, string>> {
  const { lab, backend } = live;
  const { tarballs, changed } = await regenerate(lab, lansFile, command);
  assert.deepEqual(changed, live.installed.map((i) => i.site.spec.name).sort(), 'every bundle changes');
  const started: string[] = [];
  const tallies = await duringPings(
    live.installed.map((i) => i.site),
    async () => {
      for (const i of live.installed) {
        await installBundle(lab, i.site.gateway, tarballs.get(i.site.spec.name)!, i.site.spec.name, 'main');
        const r = await runScript(i, 'up.sh', backend);
        started.push(...startedTunnels(r.stdout).map((peer) => `${i.site.spec.name}->${peer}`));
        await waitLinksUp(backend, allLinks(live.installed), live.readyMs);
        assert.deepEqual(refusals(live.installed), [], `no handshake was refused once ${i.site.spec.name} ran its new bundle`);
      }
    },
  );
  const everyEnd = allLinks(live.installed).flatMap((l) => [`${name(l, 0)}->${name(l, 1)}`, `${name(l, 1)}->${name(l, 0)}`]);
  assert.deepEqual(started.sort(), everyEnd.sort(), 'each end of each link restarted exactly once');
  assertBoundedGaps(tallies);
  return tarballs;
}

/** A step whose bundles every gateway takes at once: no tunnel restarts, no link has an outage. */
async function quietStep(live: LiveMesh, lansFile: string, command: string[]): Promise<Map<string, string>> {
  const { lab, backend } = live;
  const { tarballs, changed } = await regenerate(lab, lansFile, command);
  assert.deepEqual(changed, live.installed.map((i) => i.site.spec.name).sort(), 'every bundle changes');
  const tunnels = tunnelProcesses(live.installed);
  const started: string[] = [];
  const tallies = await duringPings(
    live.installed.map((i) => i.site),
    async () => {
      await Promise.all(live.installed.map((i) => installBundle(lab, i.site.gateway, tarballs.get(i.site.spec.name)!, i.site.spec.name, 'main')));
      for (const r of await Promise.all(live.installed.map((i) => runScript(i, 'up.sh', backend)))) started.push(...startedTunnels(r.stdout));
    },
  );
  assertNoOutage(tallies, live.installed, backend);
  assertStillRunning(tunnels);
  assert.deepEqual(started, [], 'up.sh started no tunnel');
  return tarballs;
}

/** Stops every tunnel of a gateway and starts them again with up.sh: new processes, new handshakes, fresh logs. */
async function restartTunnels(live: LiveMesh, self: Installed): Promise<void> {
  for (const p of tunnelProcesses([self])) await exec(['kill', p.pid], { allowFail: true });
  await pollUntil(`${self.site.spec.name}'s tunnels to stop`, 15_000, async () => (tunnelProcesses([self]).length === 0 ? true : undefined), 100);
  await runScript(self, 'up.sh', live.backend);
}

/** Puts the gateway's certificate and key from an older tarball in place and runs up.sh, which restarts its tunnels. */
async function presentOldCertificate(live: LiveMesh, self: Installed, oldTarball: string): Promise<void> {
  const lan = self.site.spec.name;
  const old = join(live.lab.workDir, `old-${lan}`);
  mkdirSync(old, { recursive: true, mode: 0o700 });
  await exec(['tar', '-C', old, '-xzf', oldTarball, `${lan}/keys/${lan}.crt`, `${lan}/keys/${lan}.key`]);
  for (const file of [`keys/${lan}.crt`, `keys/${lan}.key`]) copyFileSync(join(old, lan, file), join(self.bundle, file));
  await runScript(self, 'up.sh', live.backend);
}

function name(link: Link, end: 0 | 1): string {
  return link.ends[end].site.spec.name;
}

/** The peers of the tunnels an up.sh run started (its "started tunnel to X" lines). */
function startedTunnels(stdout: string): string[] {
  return [...stdout.matchAll(/^started tunnel to (\S+)$/gm)].map((m) => m[1]!);
}

function tunnelLog(self: Installed, peer: Installed): string {
  const log = join(self.bundle, 'run', `${peer.site.spec.name}.log`);
  return existsSync(log) ? readFileSync(log, 'utf8') : '';
}

/** Every refused handshake in the tunnels' current logs, as `gateway/peer: line`. */
function refusals(installed: Installed[]): string[] {
  return installed.flatMap((self) =>
    installed
      .filter((peer) => peer !== self)
      .flatMap((peer) =>
        tunnelLog(self, peer)
          .split('\n')
          .filter((l) => /VERIFY (\S+ )?ERROR/.test(l))
          .map((l) => `${self.site.spec.name}/${peer.site.spec.name}: ${l}`),
      ),
  );
}

/** Every link answered in the end, and none went longer without answers than its restarts take. */
function assertBoundedGaps(tallies: PingTally[]): void {
  const longest = (missing: number[]): number => {
    let best = 0;
    let run = 0;
    for (let i = 0; i < missing.length; i++) {
      run = i > 0 && missing[i] === missing[i - 1]! + 1 ? run + 1 : 1;
      best = Math.max(best, run);
    }
    return best;
  };
  const gaps = tallies.map((t) => ({ link: `${t.from} -> ${t.to}`, gap: longest(t.missing), window: t.window }));
  process.stderr.write(`  longest run of lost pings per link while its ends restarted: ${gaps.map((g) => `${g.gap}/${g.window}`).join(' ')}\n`);
  assert.deepEqual(
    tallies.filter((t) => t.window === 0),
    [],
    'every link answered',
  );
  assert.deepEqual(
    gaps.filter((g) => g.gap > RESTART_GAP_PINGS),
    [],
    `no link went more than ${RESTART_GAP_PINGS / 10} s without an answer`,
  );
}
