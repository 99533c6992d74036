import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pollUntil, sleep } from './exec.js';
import type { Installed } from './mesh.js';
import { execInGateway } from './netns.js';

/** A tunnel between two installed gateways. */
export interface Link {
  ends: [Installed, Installed];
}

export interface Backend {
  name: 'openvpn' | 'wireguard';
  mesh: string;
  env: Record<string, string>;
}

export function linkName(link: Link): string {
  return `${link.ends[0].site.spec.name}-${link.ends[1].site.spec.name}`;
}

/** The link as seen from each end: [self, peer], then the other way round. */
function directions(link: Link): [Installed, Installed][] {
  return [link.ends, [link.ends[1], link.ends[0]]];
}

/** Every pair of installed gateways. */
export function allLinks(installed: Installed[]): Link[] {
  return installed.flatMap((a, i) => installed.slice(i + 1).map((b): Link => ({ ends: [a, b] })));
}

/** Polls until both ends of every link report it up; nudges WireGuard links that wait for traffic. */
export async function waitLinksUp(backend: Backend, links: Link[], timeoutMs: number): Promise<void> {
  let down = links;
  await pollUntil(
    `tunnels to come up`,
    timeoutMs,
    async () => {
      down = (await Promise.all(down.map(async (l) => ((await isLinkUp(backend, l)) ? undefined : l)))).filter((l): l is Link => l !== undefined);
      if (down.length === 0) return true;
      if (backend.name === 'wireguard') await Promise.all(down.map((l) => nudge(l)));
      return undefined;
    },
    250,
  ).catch((err: Error) => {
    throw new Error(`${err.message}; still down: ${down.map(linkName).join(', ')}`);
  });
}

/** Polls for `ms` and fails as soon as one of the links is up at either end. */
export async function assertLinksStayDown(backend: Backend, links: Link[], ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (backend.name === 'wireguard') await Promise.all(links.map((l) => nudge(l)));
    for (const link of links) {
      for (const [self, peer] of directions(link)) {
        if (await isEndUp(backend, self, peer)) throw new Error(`link ${linkName(link)} came up at ${self.site.spec.name}, it must not`);
      }
    }
    await sleep(250);
  }
  // Down because the handshake fails, not because nothing was started.
  for (const link of links) {
    for (const [self, peer] of directions(link)) {
      if (!(await isEndTrying(backend, self, peer))) throw new Error(`the end of ${linkName(link)} at ${self.site.spec.name} is not running at all`);
    }
  }
}

async function isEndTrying(backend: Backend, self: Installed, peer: Installed): Promise<boolean> {
  if (backend.name === 'wireguard') return (await wireguardPeer(backend, self, peer)) !== undefined;
  try {
    const pid = readFileSync(join(self.bundle, 'run', `${peer.site.spec.name}.pid`), 'utf8').trim();
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'openvpn';
  } catch {
    return false;
  }
}

async function isLinkUp(backend: Backend, link: Link): Promise<boolean> {
  const [a, b] = link.ends;
  return (await isEndUp(backend, a, b)) && (await isEndUp(backend, b, a));
}

function isEndUp(backend: Backend, self: Installed, peer: Installed): Promise<boolean> {
  return backend.name === 'openvpn' ? Promise.resolve(openvpnInitialised(self, peer)) : wireguardHandshaked(backend, self, peer);
}

/** WARNING lines of every OpenVPN log of the gateways: a healthy mesh has none (they point at config mistakes). */
export function openvpnWarnings(installed: Installed[]): string[] {
  return allLinks(installed).flatMap((link) =>
    directions(link).flatMap(([self, peer]) => {
      const log = join(self.bundle, 'run', `${peer.site.spec.name}.log`);
      return readFileSync(log, 'utf8')
        .split('\n')
        .filter((l) => l.includes('WARNING'))
        .map((l) => `${self.site.spec.name}/${peer.site.spec.name}: ${l}`);
    }),
  );
}

/** OpenVPN logs this once the TLS handshake, the tun device and the routes are done (in <peer>.log, or its part up.sh moved to <peer>.log.1). */
function openvpnInitialised(self: Installed, peer: Installed): boolean {
  const log = join(self.bundle, 'run', `${peer.site.spec.name}.log`);
  return [`${log}.1`, log].some((file) => {
    try {
      return readFileSync(file, 'utf8').includes('Initialization Sequence Completed');
    } catch {
      return false;
    }
  });
}

/** A non-zero latest-handshake for the peer, found by the LAN subnet in its allowed IPs (public keys are never shown). */
async function wireguardHandshaked(backend: Backend, self: Installed, peer: Installed): Promise<boolean> {
  const handshake = (await wireguardPeer(backend, self, peer))?.handshake;
  return handshake !== undefined && handshake > 0;
}

/** The peer's latest handshake (0: none yet), or undefined if the interface has no such peer. */
async function wireguardPeer(backend: Backend, self: Installed, peer: Installed): Promise<{ handshake: number } | undefined> {
  const iface = `wg-${backend.mesh}`;
  const [handshakes, allowed] = await Promise.all([
    execInGateway(self.site.gateway, ['wg', 'show', iface, 'latest-handshakes'], { allowFail: true }),
    execInGateway(self.site.gateway, ['wg', 'show', iface, 'allowed-ips'], { allowFail: true }),
  ]);
  const subnet = peer.site.spec.subnets[0]!;
  const key = allowed.stdout
    .split('\n')
    .find((l) => l.split(/\s+/).includes(subnet))
    ?.split('\t')[0];
  const line = key === undefined ? undefined : handshakes.stdout.split('\n').find((l) => l.startsWith(`${key}\t`));
  return line === undefined ? undefined : { handshake: Number(line.split('\t')[1]) };
}

/** WireGuard handshakes on the first packet: ping across the link from both gateways, without waiting. */
async function nudge(link: Link): Promise<void> {
  await Promise.all([ping(link.ends[0], link.ends[1]), ping(link.ends[1], link.ends[0])]);
}

/** One ping from a gateway to a peer gateway's LAN address, without waiting for the answer. */
async function ping(self: Installed, peer: Installed): Promise<void> {
  await execInGateway(self.site.gateway, ['ping', '-n', '-q', '-c', '1', '-W', '1', peer.site.spec.lanAddress], { allowFail: true });
}

/**
 * A gateway that left the mesh but runs its old bundle: polls for `ms` and
 * fails as soon as one of its links to `others` is up at either end. Its own
 * ends must still be trying at the end, so the links are down because the
 * others refuse, not because nothing was started.
 */
export async function assertOutcastRefused(backend: Backend, outcast: Installed, others: Installed[], ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (backend.name === 'wireguard') await Promise.all(others.map((o) => ping(outcast, o)));
    for (const other of others) {
      for (const [self, peer] of [
        [outcast, other],
        [other, outcast],
      ] as const) {
        if (await isEndUp(backend, self, peer))
          throw new Error(`the removed gateway's link ${outcast.site.spec.name}-${other.site.spec.name} came up at ${self.site.spec.name}`);
      }
    }
    await sleep(250);
  }
  for (const other of others) {
    if (!(await isEndTrying(backend, outcast, other)))
      throw new Error(`the removed gateway's end of its link to ${other.site.spec.name} is not running at all`);
  }
}
