import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { blockEnd, intToIp, parseBlock } from '../../src/model/net.js';
import { exec, mapLimit, pollUntil } from './exec.js';
import { UNDERLAY } from './mesh.js';
import {
  addGateway,
  addLanHost,
  addLanSwitch,
  addSwitchHost,
  createUnderlay,
  execIn,
  execInGateway,
  type Gateway,
  ip,
  type Lab,
  type LanHost,
  pidsIn,
  type Underlay,
} from './netns.js';

/** One gateway of the fixture: `id` names its bundle (the LAN's name, or <lan>-<gateway>). */
export interface GatewaySpec {
  id: string;
  lanAddress: string;
  endpoint: string;
}

export interface HaLanSpec {
  name: string;
  subnets: string[];
  /** The address LAN hosts route through: the VIP of a LAN with gateways, else its gateway's lanAddress. */
  via: string;
  vip?: string;
  gateways: GatewaySpec[];
}

export interface HaFixture {
  mesh: string;
  backend: 'openvpn' | 'wireguard';
  underlayMtu: number;
  lans: HaLanSpec[];
}

/** A gateway in the lab with its unpacked bundle. */
export interface HaGateway {
  spec: GatewaySpec;
  lan: string;
  gateway: Gateway;
  bundle: string;
}

export interface HaSite {
  spec: HaLanSpec;
  gateways: HaGateway[];
  /** One host per subnet, at the top of the subnet. */
  hosts: LanHost[];
}

export interface HaNetwork {
  lab: Lab;
  underlay: Underlay;
  sites: HaSite[];
}

type RawGateway = { name?: string; lanAddress: string; endpoint: string };
type RawLan = { name: string; subnets: string[]; vip?: string; gateway?: RawGateway; gateways?: RawGateway[] };

export function readHaFixture(file: string): HaFixture {
  const doc = parse(readFileSync(file, 'utf8')) as { mesh: { name: string; backend: HaFixture['backend']; underlayMtu?: number }; lans: RawLan[] };
  const lans = doc.lans.map((l): HaLanSpec => {
    const gateways = l.gateways
      ? l.gateways.map((g) => ({ id: `${l.name}-${g.name}`, lanAddress: g.lanAddress, endpoint: g.endpoint }))
      : [{ id: l.name, lanAddress: l.gateway!.lanAddress, endpoint: l.gateway!.endpoint }];
    return { name: l.name, subnets: l.subnets, vip: l.vip, via: l.vip ?? gateways[0]!.lanAddress, gateways };
  });
  return { mesh: doc.mesh.name, backend: doc.mesh.backend, underlayMtu: doc.mesh.underlayMtu ?? 1500, lans };
}

/** The underlay, each single-gateway LAN as the other suites build it, and each LAN with gateways on a switch of its own. */
export async function buildHaNetwork(lab: Lab, fixture: HaFixture): Promise<HaNetwork> {
  const underlay = await createUnderlay(lab, UNDERLAY.address, UNDERLAY.prefix, fixture.underlayMtu);
  const sites = await Promise.all(fixture.lans.map((spec) => buildHaSite(lab, underlay, spec)));
  return { lab, underlay, sites };
}

async function buildHaSite(lab: Lab, underlay: Underlay, spec: HaLanSpec): Promise<HaSite> {
  const prefix = (address: string): string => spec.subnets.find((s) => inside(s, address))!.split('/')[1]!;
  if (spec.vip === undefined) {
    const g = spec.gateways[0]!;
    const gateway = await addGateway(lab, underlay, { name: g.id, wanAddress: g.endpoint, lanAddresses: [`${g.lanAddress}/${prefix(g.lanAddress)}`] });
    const hosts: LanHost[] = [];
    for (const cidr of spec.subnets) hosts.push(await addLanHost(lab, gateway, `${topHost(cidr)}/${cidr.split('/')[1]}`, g.lanAddress));
    return { spec, gateways: [{ spec: g, lan: spec.name, gateway, bundle: '' }], hosts };
  }
  const lanSwitch = await addLanSwitch(lab, spec.name);
  const gateways: HaGateway[] = [];
  for (const g of spec.gateways) {
    const gateway = await addGateway(lab, underlay, {
      name: g.id,
      wanAddress: g.endpoint,
      lanAddresses: [`${g.lanAddress}/${prefix(g.lanAddress)}`],
      lanSwitch,
    });
    gateways.push({ spec: g, lan: spec.name, gateway, bundle: '' });
  }
  const hosts = [await addSwitchHost(lab, lanSwitch, `${topHost(spec.subnets[0]!)}/${spec.subnets[0]!.split('/')[1]}`, spec.vip)];
  return { spec, gateways, hosts };
}

function inside(cidr: string, address: string): boolean {
  const block = parseBlock(cidr);
  const ip = parseBlock(`${address}/32`).start;
  return ip >= block.start && ip <= blockEnd(block);
}

function topHost(cidr: string): string {
  return intToIp(blockEnd(parseBlock(cidr)) - 1);
}

export function allGateways(network: HaNetwork): HaGateway[] {
  return network.sites.flatMap((s) => s.gateways);
}

/** The gateway's BIRD, through the bundle's own control socket. */
export function birdc(g: HaGateway, ...args: string[]) {
  return execInGateway(g.gateway, ['birdc', '-s', join(g.bundle, 'run/routing/bird.ctl'), ...args], { allowFail: true });
}

/** Names of the gateway's BGP sessions, and how many of them are established. */
export async function bgpSessions(g: HaGateway): Promise<{ all: number; up: number }> {
  const lines = (await birdc(g, 'show', 'protocols')).stdout.split('\n').filter((l) => l.split(/\s+/)[1] === 'BGP');
  return { all: lines.length, up: lines.filter((l) => l.includes('Established')).length };
}

/** What keepalived last told BIRD (MASTER, BACKUP, FAULT, STOP), from the notify script's note. */
export function vrrpState(g: HaGateway): string {
  try {
    return readFileSync(join(g.bundle, 'run/routing/vrrp.state'), 'utf8').trim();
  } catch {
    return 'none';
  }
}

/** Every VRRP change the notify script noted, one "<time> <state>" a line. */
export function vrrpLog(g: HaGateway): string {
  try {
    return readFileSync(join(g.bundle, 'run/routing/vrrp.log'), 'utf8').trim().split('\n').join(', ');
  } catch {
    return '';
  }
}

export async function holdsAddress(g: HaGateway, address: string): Promise<boolean> {
  return (await ip(g.gateway.ns, '-4', '-o', 'addr', 'show')).stdout.includes(` inet ${address}/`);
}

/** Subnets this gateway's kernel routes through BIRD. */
export async function birdRoutes(g: HaGateway): Promise<string[]> {
  const { stdout } = await ip(g.gateway.ns, '-4', 'route', 'show', 'proto', 'bird');
  return stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split(' ')[0]!)
    .sort();
}

/** The BIRD and keepalived processes of the gateway's namespace, as `pid comm`. */
export function routingDaemons(g: HaGateway): string[] {
  return pidsIn(g.gateway.ns)
    .map((pid) => `${pid} ${comm(pid)}`)
    .filter((p) => / (bird|keepalived)$/.test(p));
}

function comm(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '(exited)';
  }
}

/**
 * The gateway dies as a host does: every process of it is frozen first (so
 * keepalived sends no farewell advert and BIRD no notification), its underlay
 * link goes down, then every process is killed.
 */
export async function killGateway(g: HaGateway): Promise<void> {
  const pids = pidsIn(g.gateway.ns);
  for (const pid of pids) signal(pid, 'SIGSTOP');
  await ip(g.gateway.ns, 'link', 'set', 'wan', 'down');
  for (const pid of pids) signal(pid, 'SIGKILL');
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // gone already
  }
}

/** Brought back as a rebooted gateway is: its link up, then its bundle's up.sh. */
export async function reviveGateway(g: HaGateway, env: Record<string, string>): Promise<void> {
  await ip(g.gateway.ns, 'link', 'set', 'wan', 'up');
  // The link going down took the default route with it.
  await ip(g.gateway.ns, 'route', 'replace', 'default', 'via', UNDERLAY.address);
  await execInGateway(g.gateway, [join(g.bundle, 'up.sh')], { env, timeoutMs: 60_000 });
}

/** Every host pings every host of every other LAN once. */
export async function pingHaMatrix(network: HaNetwork): Promise<{ from: string; to: string; ok: boolean }[]> {
  const hosts = network.sites.flatMap((s) => s.hosts);
  const pairs = hosts.flatMap((from) => hosts.filter((to) => to.lan !== from.lan).map((to) => ({ from, to })));
  return mapLimit(pairs, 6, async ({ from, to }) => {
    const r = await execIn(from.ns, ['ping', '-n', '-q', '-c', '1', '-i', '0.2', '-w', '5', to.address], { allowFail: true });
    return { from: `${from.lan} ${from.address}`, to: `${to.lan} ${to.address}`, ok: r.code === 0 };
  });
}

/** Polls until every gateway's BIRD has every session established. */
export async function waitBgpUp(network: HaNetwork, timeoutMs: number): Promise<void> {
  let down: string[] = [];
  await pollUntil(
    'every BGP session to be established',
    timeoutMs,
    async () => {
      const states = await Promise.all(allGateways(network).map(async (g) => ({ id: g.spec.id, ...(await bgpSessions(g)) })));
      down = states.filter((s) => s.all === 0 || s.up < s.all).map((s) => `${s.id} ${s.up}/${s.all}`);
      return down.length === 0 ? true : undefined;
    },
    250,
  ).catch((err: Error) => {
    throw new Error(`${err.message}; not yet: ${down.join(', ')}`);
  });
}

/** Counts forwarded packets between two addresses, both ways, in a gateway's own nftables table. */
export async function countForwarded(g: HaGateway, a: string, b: string): Promise<{ read(): Promise<[number, number]>; remove(): Promise<void> }> {
  const nft = (...args: string[]) => execInGateway(g.gateway, ['nft', ...args]);
  await nft('add', 'table', 'ip', 'p2pe_fwd');
  await nft('add', 'chain', 'ip', 'p2pe_fwd', 'f', '{ type filter hook forward priority 100 ; policy accept ; }');
  await nft('add', 'rule', 'ip', 'p2pe_fwd', 'f', 'ip', 'saddr', a, 'ip', 'daddr', b, 'counter');
  await nft('add', 'rule', 'ip', 'p2pe_fwd', 'f', 'ip', 'saddr', b, 'ip', 'daddr', a, 'counter');
  return {
    async read() {
      const counts = [...(await nft('list', 'chain', 'ip', 'p2pe_fwd', 'f')).stdout.matchAll(/counter packets (\d+)/g)].map((m) => Number(m[1]));
      return [counts[0] ?? -1, counts[1] ?? -1];
    },
    async remove() {
      await nft('delete', 'table', 'ip', 'p2pe_fwd');
    },
  };
}

/** Sets a sysctl in every gateway (say rp_filter strict, as many distributions do). */
export async function sysctlAll(network: HaNetwork, setting: string): Promise<void> {
  await Promise.all(allGateways(network).map((g) => exec(['ip', 'netns', 'exec', g.gateway.ns, 'sysctl', '-q', '-w', setting])));
}
