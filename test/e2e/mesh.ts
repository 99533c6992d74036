import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { blockEnd, IPV4_PATTERN, intToIp, ipToInt, parseBlock } from '../../src/model/net.js';
import { BIN } from '../support/cli.js';
import { exec, mapLimit, pollUntil } from './exec.js';
import {
  addGateway,
  addLanHost,
  createUnderlay,
  execIn,
  execInGateway,
  type Gateway,
  type GatewayOptions,
  ip,
  type Lab,
  type LanHost,
  type Snapshot,
  snapshot,
  type Underlay,
} from './netns.js';

/** Only the test environment asks wg-quick for the userspace implementation (there is no kernel module here). */
export const WG_USERSPACE_ENV = { WG_QUICK_USERSPACE_IMPLEMENTATION: 'wireguard-go', WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD: '1' };

export const UNDERLAY = { address: '198.51.100.1', prefix: 24 };

/** What the test needs to know of one LAN of the fixture. */
export interface LanSpec {
  name: string;
  subnets: string[];
  lanAddress: string;
  endpoint?: string;
  listen?: string;
}

export interface Site {
  spec: LanSpec;
  gateway: Gateway;
  /** One host per subnet, at the top of the subnet. */
  hosts: LanHost[];
}

export interface Mesh {
  lab: Lab;
  underlay: Underlay;
  sites: Site[];
  /** Gateways of their own (private /run, /etc/p2pvpn, /tmp, /root), reached over SSH: see privateRootOf. */
  deployable?: boolean;
}

/** SSH port a NAT router that admits nothing else forwards to its gateway. */
export const NAT_SSH_PORT = 2222;

/** Where a deployable gateway's private folders live on the host. */
export function privateRootOf(lab: Lab, lan: string): string {
  return join(lab.workDir, 'gateways', lan, 'private');
}

export function readFixture(file: string): { mesh: string; backend: string; underlayMtu: number; lans: LanSpec[] } {
  type Gw = { lanAddress: string; endpoint?: string; listen?: string };
  const doc = parse(readFileSync(file, 'utf8')) as {
    mesh: { name: string; backend: string; underlayMtu?: number };
    lans: { name: string; subnets: string[]; gateway: Gw }[];
  };
  const lans = doc.lans.map((l): LanSpec => ({ name: l.name, subnets: l.subnets, ...l.gateway }));
  return { mesh: doc.mesh.name, backend: doc.mesh.backend, underlayMtu: doc.mesh.underlayMtu ?? 1500, lans };
}

/** The underlay (every link of it `underlayMtu` bytes) and every LAN of the fixture, built in parallel. */
export async function buildNetwork(lab: Lab, lans: LanSpec[], underlayMtu = 1500, deployable = false): Promise<Mesh> {
  const underlay = await createUnderlay(lab, UNDERLAY.address, UNDERLAY.prefix, underlayMtu);
  const mesh: Mesh = { lab, underlay, sites: [], deployable };
  mesh.sites = await Promise.all(lans.map((spec, i) => buildSite(mesh, spec, i)));
  return mesh;
}

/** Adds one more LAN to a running network (a LAN that joins the mesh later). */
export async function addSite(mesh: Mesh, spec: LanSpec): Promise<Site> {
  const site = await buildSite(mesh, spec, mesh.sites.length);
  await waitLanBridgeUp(site);
  mesh.sites.push(site);
  return site;
}

/** A bridge reports UNKNOWN until its first port is up: wait, so that a snapshot taken next is the settled one. */
export async function waitLanBridgeUp(site: Site): Promise<void> {
  await pollUntil(
    `${site.spec.name}'s LAN bridge to be up`,
    5_000,
    async () => ((await ip(site.gateway.ns, 'link', 'show', 'lan')).stdout.includes('state UP') ? true : undefined),
    50,
  );
}

/**
 * A gateway and one host per subnet. Its WAN address is its endpoint; with a
 * `listen` address it sits behind a 1:1 NAT that owns the endpoint; without
 * an endpoint it sits behind a NAT that nobody can dial through.
 */
async function buildSite(mesh: Mesh, spec: LanSpec, index: number): Promise<Site> {
  const endpoint = spec.endpoint && IPV4_PATTERN.test(spec.endpoint) ? spec.endpoint : undefined;
  const lanAddresses = spec.subnets.map((cidr) => `${gatewayAddressIn(spec, cidr)}/${cidr.split('/')[1]}`);
  const options: GatewayOptions =
    endpoint === undefined
      ? {
          name: spec.name,
          wanAddress: `100.64.${101 + index}.2`,
          lanAddresses,
          nat: { publicAddress: `198.51.100.${101 + index}`, inbound: false, ...(mesh.deployable ? { sshPort: NAT_SSH_PORT } : {}) },
        }
      : spec.listen !== undefined && spec.listen !== endpoint
        ? { name: spec.name, wanAddress: spec.listen, lanAddresses, nat: { publicAddress: endpoint, inbound: true } }
        : { name: spec.name, wanAddress: endpoint, lanAddresses };
  const gateway = await addGateway(mesh.lab, mesh.underlay, mesh.deployable ? { ...options, privateRoot: privateRootOf(mesh.lab, spec.name) } : options);
  const hosts: LanHost[] = [];
  for (const cidr of spec.subnets) hosts.push(await addLanHost(mesh.lab, gateway, `${topHost(cidr)}/${cidr.split('/')[1]}`, gatewayAddressIn(spec, cidr)));
  return { spec, gateway, hosts };
}

/** The gateway's lanAddress in its own subnet; in the LAN's other subnets, the first host address (a router there). */
function gatewayAddressIn(spec: LanSpec, cidr: string): string {
  const block = parseBlock(cidr);
  const own = ipToInt(spec.lanAddress);
  return own >= block.start && own <= blockEnd(block) ? spec.lanAddress : intToIp(block.start + 1);
}

/** The last usable address: far from the network address, so a route with too long a prefix misses it. */
function topHost(cidr: string): string {
  return intToIp(blockEnd(parseBlock(cidr)) - 1);
}

/** Runs the real built CLI (asynchronously: key generation overlaps with building namespaces); returns each LAN's tarball. */
export async function generateBundles(lab: Lab, fixture: string, stateName = 'state', command = ['generate']): Promise<Map<string, string>> {
  const out = outDir(lab, stateName);
  await exec([process.execPath, BIN, ...command, fixture, '--out', out, '--state', join(lab.workDir, stateName)], { timeoutMs: 120_000 });
  const { lans } = readFixture(fixture);
  return new Map(lans.map((l) => [l.name, join(out, `${l.name}.tar.gz`)]));
}

/** Where generateBundles writes the tarballs made from one state folder. */
export function outDir(lab: Lab, stateName = 'state'): string {
  return join(lab.workDir, `out-${stateName}`);
}

/** Unpacks a tarball inside the gateway into a fresh folder; returns the bundle folder (`<dir>/<lan>`). */
export async function installBundle(lab: Lab, gateway: Gateway, tarball: string, lan: string, folder: string): Promise<string> {
  const dir = join(lab.workDir, 'gateways', gateway.name, folder);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  await execInGateway(gateway, ['tar', '-C', dir, '-xzf', tarball]);
  return join(dir, lan);
}

export interface Installed {
  site: Site;
  bundle: string;
  before: Snapshot;
}

/** Snapshots every gateway, then runs every up.sh at once. */
export async function upAll(installs: { site: Site; bundle: string }[], env: Record<string, string>): Promise<Installed[]> {
  const withSnapshots = await Promise.all(installs.map(async (i) => ({ ...i, before: await snapshot(i.site.gateway) })));
  await Promise.all(withSnapshots.map((i) => execInGateway(i.site.gateway, [join(i.bundle, 'up.sh')], { env })));
  return withSnapshots;
}

export async function downAll(installed: Installed[], env: Record<string, string>): Promise<void> {
  await Promise.all(installed.map((i) => execInGateway(i.site.gateway, [join(i.bundle, 'down.sh')], { env })));
}

export interface PingResult {
  from: string;
  to: string;
  ok: boolean;
}

/** Every host pings every host of every other LAN. */
export async function pingAcrossLans(mesh: Mesh, opts: { expect: 'reach' | 'isolated' }): Promise<PingResult[]> {
  const hosts = mesh.sites.flatMap((s) => s.hosts);
  const pairs = hosts.flatMap((from) => hosts.filter((to) => to.lan !== from.lan).map((to) => ({ from, to })));
  // A reachable host answers within the deadline; an isolated one is given one second.
  const args = opts.expect === 'reach' ? ['-c', '1', '-i', '0.2', '-w', '5'] : ['-c', '1', '-W', '1'];
  // Pings mostly wait; an isolated one waits its whole second, so run more of those at once.
  return mapLimit(pairs, opts.expect === 'reach' ? 6 : 20, async ({ from, to }) => {
    const r = await execIn(from.ns, ['ping', '-n', '-q', ...args, to.address], { allowFail: true });
    return { from: `${from.lan} ${from.address}`, to: `${to.lan} ${to.address}`, ok: r.code === 0 };
  });
}

/** Every host pings its own gateway on every address of the LAN bridge: the lab's LAN side works. */
export async function pingOwnGateways(mesh: Mesh): Promise<PingResult[]> {
  const pairs = mesh.sites.flatMap((site) => site.hosts.flatMap((from) => site.spec.subnets.map((cidr) => ({ from, to: gatewayAddressIn(site.spec, cidr) }))));
  return mapLimit(pairs, 6, async ({ from, to }) => {
    const r = await execIn(from.ns, ['ping', '-n', '-q', '-c', '1', '-i', '0.2', '-w', '5', to], { allowFail: true });
    return { from: `${from.lan} ${from.address}`, to: `gateway ${to}`, ok: r.code === 0 };
  });
}

/** Sets net.ipv4.ip_forward in every gateway (a gateway that already routes its LAN, before the mesh exists). */
export async function setForwarding(mesh: Mesh, on: boolean): Promise<void> {
  await Promise.all(mesh.sites.map((s) => execInGateway(s.gateway, ['sysctl', '-q', '-w', `net.ipv4.ip_forward=${on ? 1 : 0}`])));
}

/** A packet of exactly `mtu` bytes with DF set, once across every pair of LANs (every tunnel). */
export async function pingFullSizeAcrossTunnels(mesh: Mesh, mtu: number): Promise<PingResult[]> {
  const pairs = mesh.sites.flatMap((a, i) => mesh.sites.slice(i + 1).map((b) => ({ from: a.hosts[0]!, to: b.hosts[0]! })));
  return mapLimit(pairs, 6, async ({ from, to }) => {
    const r = await execIn(from.ns, ['ping', '-n', '-q', '-M', 'do', '-s', String(mtu - 28), '-c', '1', '-i', '0.2', '-w', '5', to.address], {
      allowFail: true,
    });
    return { from: `${from.lan} ${from.address}`, to: `${to.lan} ${to.address}`, ok: r.code === 0 };
  });
}

/** IP fragments a gateway has created since boot (/proc/net/snmp Ip: FragCreates). */
export async function fragmentsCreated(gateway: Gateway): Promise<number> {
  const { stdout } = await execInGateway(gateway, ['cat', '/proc/net/snmp']);
  const [names, values] = stdout.split('\n').filter((l) => l.startsWith('Ip:'));
  const index = names!.split(/\s+/).indexOf('FragCreates');
  return Number(values!.split(/\s+/)[index]);
}

/** Only the line that says the MTU: the WireGuard file also holds the private key, which must never be printed. */
export function tunnelMtuOf(bundle: string, backend: string, mesh: string, peer: string): number {
  const file = backend === 'wireguard' ? join(bundle, 'wireguard', `wg-${mesh}.conf`) : join(bundle, 'openvpn', `${peer}.conf`);
  const m = /^(?:MTU = |tun-mtu )(\d+)$/m.exec(readFileSync(file, 'utf8'));
  if (!m) throw new Error(`no tunnel MTU in ${file}`);
  return Number(m[1]);
}

/**
 * Lines of two snapshots that differ, for a readable assertion. `counters: false` while
 * the mesh runs: its firewall counters count, and a reload by up.sh resets them.
 */
export function snapshotDiff(before: Snapshot, after: Snapshot, opts = { counters: true }): string[] {
  const diff: string[] = [];
  for (const key of ['addresses', 'routes', 'links', 'ipForward', opts.counters ? 'firewall' : 'firewallRules'] as const) {
    if (before[key] !== after[key]) diff.push(`${key}:\n--- before up.sh\n${before[key]}\n--- after down.sh\n${after[key]}`);
  }
  if (before.processes.join() !== after.processes.join()) diff.push(`processes: before [${before.processes.join(', ')}] after [${after.processes.join(', ')}]`);
  return diff;
}

/** Processes take a moment to exit after down.sh: poll briefly, then compare. */
export async function assertRestored(installed: Installed[]): Promise<void> {
  for (const i of installed) {
    const diff = await pollUntil(`${i.site.spec.name} to settle`, 5_000, async () => {
      const d = snapshotDiff(i.before, await snapshot(i.site.gateway));
      return d.length === 0 ? d : undefined;
    }).catch(async () => snapshotDiff(i.before, await snapshot(i.site.gateway)));
    assert.deepEqual(diff, [], `${i.site.spec.name} is back to its state before up.sh`);
  }
}
