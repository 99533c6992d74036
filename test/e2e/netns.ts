import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ExecOptions, type ExecResult, exec, execQuiet } from './exec.js';

/**
 * A small internet in network namespaces: an underlay bridge, gateways with a
 * WAN and a LAN side, and LAN hosts. Every name starts with `p2pe<pid>-<n>-`
 * so that parallel runs (and several labs of one run) never collide, and the
 * leftovers of a killed run are found by its PID.
 */
export interface Lab {
  prefix: string;
  /** Private mount point holding the gateways' persistent mount-namespace files. */
  runDir: string;
  /** Bundles, state and logs of this run (0700, holds key material). */
  workDir: string;
  namespaces: string[];
  mountFiles: string[];
  cleaned: boolean;
}

export interface Underlay {
  ns: string;
  /** The underlay's own address on the bridge: the gateways' default route ("the internet"). */
  address: string;
  prefix: number;
  ports: number;
  /** MTU of every link of the underlay (the path between gateways), as lans.yaml's mesh.underlayMtu says. */
  mtu: number;
}

export interface Gateway {
  name: string;
  ns: string;
  /** Mount namespace with a private /run/wireguard and a /sys of this network namespace. */
  mnt: string;
  wanAddress: string;
  hosts: number;
}

export interface LanHost {
  lan: string;
  ns: string;
  address: string;
}

const NAME_PATTERN = /^p2pe(\d+)-/;
const RUN_ROOT = '/run';
const live = new Set<Lab>();
let labs = 0;

/** Starts a lab: removes what dead runs left behind and makes sure this one is removed even on a crash. */
export function createLab(): Lab {
  sweepLeftovers();
  const prefix = `p2pe${process.pid}-${++labs}`;
  const runDir = join(RUN_ROOT, prefix);
  mkdirSync(runDir, { recursive: true, mode: 0o700 });
  // A persistent mount-namespace file cannot live on a shared mount (unshare(1)).
  execQuiet(['mount', '--bind', runDir, runDir]);
  execQuiet(['mount', '--make-private', runDir]);
  mkdirSync('/run/wireguard', { recursive: true, mode: 0o700 });
  const lab: Lab = { prefix, runDir, workDir: mkdtempSync(join(tmpdir(), `${prefix}-`)), namespaces: [], mountFiles: [], cleaned: false };
  installExitHooks();
  live.add(lab);
  return lab;
}

export async function createUnderlay(lab: Lab, address: string, prefix: number, mtu = 1500): Promise<Underlay> {
  const ns = await addNamespace(lab, 'ul');
  await ip(ns, 'link', 'add', 'br0', 'mtu', String(mtu), 'type', 'bridge');
  await ip(ns, 'addr', 'add', `${address}/${prefix}`, 'dev', 'br0');
  await ip(ns, 'link', 'set', 'br0', 'up');
  return { ns, address, prefix, ports: 0, mtu };
}

export interface GatewayOptions {
  name: string;
  /** The address of the gateway's outside interface. */
  wanAddress: string;
  /** Addresses (with prefix) of the gateway on its LAN bridge. */
  lanAddresses: string[];
  /**
   * Puts the gateway behind a NAT router that owns `publicAddress` on the underlay:
   * `inbound` maps it 1:1 (a cloud elastic IP); otherwise only outgoing traffic
   * is masqueraded and nobody can dial the gateway (an office behind a router).
   */
  nat?: { publicAddress: string; inbound: boolean /** A TCP port of the router forwarded to the gateway's SSH (22). */; sshPort?: number };
  /**
   * A gateway of its own, as a real one is: private /run, /etc/p2pvpn, /tmp
   * and /root (bind mounts of folders under `privateRoot`), so what a deploy
   * writes there stays on this gateway. Without it only /run/wireguard is.
   */
  privateRoot?: string;
  /** The LAN is a switch of its own (addLanSwitch) that this gateway plugs into, shared with the LAN's other gateways. */
  lanSwitch?: LanSwitch;
}

/** A LAN segment of its own: a bridge in a namespace, for a LAN with more than one gateway. */
export interface LanSwitch {
  name: string;
  ns: string;
  ports: number;
}

/** A gateway namespace: `wan` on the underlay (or behind a NAT router on it), bridge `lan` with its LAN addresses. */
export async function addGateway(lab: Lab, underlay: Underlay, opts: GatewayOptions): Promise<Gateway> {
  const ns = await addNamespace(lab, `gw-${opts.name}`);
  if (opts.nat === undefined) {
    await plugIntoUnderlay(underlay, ns, 'wan', opts.wanAddress);
    await ip(ns, 'route', 'add', 'default', 'via', underlay.address);
  } else {
    await addNatRouter(lab, underlay, ns, opts.name, opts.nat, opts.wanAddress);
  }
  if (opts.lanSwitch === undefined) await ip(ns, 'link', 'add', 'lan', 'type', 'bridge');
  else await plugIntoSwitch(opts.lanSwitch, ns, 'lan');
  for (const cidr of opts.lanAddresses) await ip(ns, 'addr', 'add', cidr, 'dev', 'lan');
  await ip(ns, 'link', 'set', 'lan', 'up');
  const mnt = await addMountNamespace(lab, ns, opts.privateRoot);
  return { name: opts.name, ns, mnt, wanAddress: opts.wanAddress, hosts: 0 };
}

/** A namespace on the underlay itself (a machine on the internet, say the one that deploys). */
export async function addUnderlayHost(lab: Lab, underlay: Underlay, name: string, address: string): Promise<string> {
  const ns = await addNamespace(lab, name);
  await plugIntoUnderlay(underlay, ns, 'wan', address);
  await ip(ns, 'route', 'add', 'default', 'via', underlay.address);
  return ns;
}

/** A veth from `ns` (named `dev`, holding `address`) to a port of the underlay bridge. */
async function plugIntoUnderlay(underlay: Underlay, ns: string, dev: string, address: string): Promise<void> {
  const port = `g${++underlay.ports}`;
  await ip(ns, 'link', 'add', dev, 'mtu', String(underlay.mtu), 'type', 'veth', 'peer', 'name', port, 'mtu', String(underlay.mtu), 'netns', underlay.ns);
  await ip(underlay.ns, 'link', 'set', port, 'master', 'br0', 'up');
  await ip(ns, 'addr', 'add', `${address}/${underlay.prefix}`, 'dev', dev);
  await ip(ns, 'link', 'set', dev, 'up');
}

/** The NAT router in front of a gateway; the gateway's `wanAddress` is in a /24 where the router is .1. */
async function addNatRouter(
  lab: Lab,
  underlay: Underlay,
  gatewayNs: string,
  name: string,
  nat: NonNullable<GatewayOptions['nat']>,
  wanAddress: string,
): Promise<void> {
  const { publicAddress } = nat;
  const router = await addNamespace(lab, `nat-${name}`);
  const inside = `${wanAddress.split('.').slice(0, 3).join('.')}.1`;
  await plugIntoUnderlay(underlay, router, 'out', publicAddress);
  await ip(router, 'route', 'add', 'default', 'via', underlay.address);
  await ip(router, 'link', 'add', 'in', 'mtu', String(underlay.mtu), 'type', 'veth', 'peer', 'name', 'wan', 'mtu', String(underlay.mtu), 'netns', gatewayNs);
  await ip(router, 'addr', 'add', `${inside}/24`, 'dev', 'in');
  await ip(router, 'link', 'set', 'in', 'up');
  await ip(gatewayNs, 'addr', 'add', `${wanAddress}/24`, 'dev', 'wan');
  await ip(gatewayNs, 'link', 'set', 'wan', 'up');
  await ip(gatewayNs, 'route', 'add', 'default', 'via', inside);
  await execIn(router, ['sysctl', '-q', '-w', 'net.ipv4.ip_forward=1']);
  const nft = (...args: string[]): Promise<ExecResult> => execIn(router, ['nft', ...args]);
  await nft('add', 'table', 'ip', 'nat');
  await nft('add', 'chain', 'ip', 'nat', 'in', '{ type nat hook prerouting priority dstnat; }');
  await nft('add', 'chain', 'ip', 'nat', 'out', '{ type nat hook postrouting priority srcnat; }');
  if (nat.inbound) await nft('add', 'rule', 'ip', 'nat', 'in', 'ip', 'daddr', publicAddress, 'dnat', 'to', wanAddress);
  else if (nat.sshPort !== undefined)
    await nft('add', 'rule', 'ip', 'nat', 'in', 'ip', 'daddr', publicAddress, 'tcp', 'dport', String(nat.sshPort), 'dnat', 'to', `${wanAddress}:22`);
  await nft('add', 'rule', 'ip', 'nat', 'out', 'ip', 'saddr', wanAddress, 'snat', 'to', publicAddress);
}

/** The shared segment of a LAN with several gateways: a bridge `br0` in a namespace of its own. */
export async function addLanSwitch(lab: Lab, name: string): Promise<LanSwitch> {
  const ns = await addNamespace(lab, `sw-${name}`);
  await ip(ns, 'link', 'add', 'name', 'br0', 'type', 'bridge');
  await ip(ns, 'link', 'set', 'br0', 'up');
  return { name, ns, ports: 0 };
}

/** A veth from `ns` (named `dev`) to a port of the switch's bridge. */
async function plugIntoSwitch(lanSwitch: LanSwitch, ns: string, dev: string): Promise<void> {
  const port = `p${++lanSwitch.ports}`;
  await ip(lanSwitch.ns, 'link', 'add', port, 'type', 'veth', 'peer', 'name', dev, 'netns', ns);
  await ip(lanSwitch.ns, 'link', 'set', port, 'master', 'br0', 'up');
}

/** A host on a LAN switch whose default route is `via` (the LAN's VIP, say). */
export async function addSwitchHost(lab: Lab, lanSwitch: LanSwitch, cidr: string, via: string): Promise<LanHost> {
  const ns = await addNamespace(lab, `h-${lanSwitch.name}-${lanSwitch.ports + 1}`);
  await plugIntoSwitch(lanSwitch, ns, 'eth0');
  await ip(ns, 'addr', 'add', cidr, 'dev', 'eth0');
  await ip(ns, 'link', 'set', 'eth0', 'up');
  await ip(ns, 'route', 'add', 'default', 'via', via);
  return { lan: lanSwitch.name, ns, address: cidr.split('/')[0]! };
}

/** A host on the gateway's LAN bridge whose default route is `via` (the gateway). */
export async function addLanHost(lab: Lab, gateway: Gateway, cidr: string, via: string): Promise<LanHost> {
  const index = ++gateway.hosts;
  const ns = await addNamespace(lab, `h-${gateway.name}-${index}`);
  await ip(gateway.ns, 'link', 'add', `h${index}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns);
  await ip(gateway.ns, 'link', 'set', `h${index}`, 'master', 'lan', 'up');
  await ip(ns, 'addr', 'add', cidr, 'dev', 'eth0');
  await ip(ns, 'link', 'set', 'eth0', 'up');
  await ip(ns, 'route', 'add', 'default', 'via', via);
  return { lan: gateway.name, ns, address: cidr.split('/')[0]! };
}

/** Runs argv inside a gateway: its network namespace and its own mount namespace. */
export function execInGateway(gateway: Gateway, argv: string[], opts?: ExecOptions): Promise<ExecResult> {
  return exec(['nsenter', `--mount=${gateway.mnt}`, `--net=/run/netns/${gateway.ns}`, '--', ...argv], opts);
}

/** Runs argv in a plain network namespace (LAN hosts). */
export function execIn(ns: string, argv: string[], opts?: ExecOptions): Promise<ExecResult> {
  return exec(['ip', 'netns', 'exec', ns, ...argv], opts);
}

export function ip(ns: string, ...args: string[]): Promise<ExecResult> {
  return exec(['ip', '-n', ns, ...args]);
}

/** What up.sh may change and down.sh must put back. */
export interface Snapshot {
  addresses: string;
  routes: string;
  links: string;
  ipForward: string;
  /** `nft list ruleset` as it prints, then iptables-save less its two timestamped comments. */
  firewall: string;
  /** The same rules without counters (`nft -s`; iptables-save prints none): for comparing a running mesh. */
  firewallRules: string;
  processes: string[];
}

export async function snapshot(gateway: Gateway): Promise<Snapshot> {
  const [addresses, routes, links, ipForward, nft, nftRules, iptables] = await Promise.all([
    ip(gateway.ns, '-4', 'addr', 'show'),
    ip(gateway.ns, '-4', 'route', 'show', 'table', 'all'),
    ip(gateway.ns, 'link', 'show'),
    execInGateway(gateway, ['cat', '/proc/sys/net/ipv4/ip_forward']),
    execInGateway(gateway, ['nft', 'list', 'ruleset']),
    execInGateway(gateway, ['nft', '-s', 'list', 'ruleset']),
    execInGateway(gateway, ['iptables-save']),
  ]);
  const saved = `--- iptables-save\n${iptables.stdout
    .split('\n')
    .filter((l) => !/^# (Generated|Completed) /.test(l))
    .join('\n')}`;
  return {
    addresses: addresses.stdout,
    routes: routes.stdout,
    links: links.stdout,
    ipForward: ipForward.stdout.trim(),
    firewall: nft.stdout + saved,
    firewallRules: nftRules.stdout + saved,
    processes: processesIn(gateway.ns),
  };
}

/** A host of no LAN on the underlay bridge: a WAN neighbour (another tenant, the ISP's router). */
export async function addStranger(lab: Lab, underlay: Underlay, address: string): Promise<string> {
  const ns = await addNamespace(lab, 'stranger');
  await plugIntoUnderlay(underlay, ns, 'wan', address);
  return ns;
}

/** The NAT router in front of a gateway built with `nat` (addGateway). */
export function natRouterOf(lab: Lab, gateway: Gateway): string {
  return `${lab.prefix}-nat-${gateway.name}`;
}

/** `pid command` of every process whose network namespace is `ns`. */
export function processesIn(ns: string): string[] {
  return pidsIn(ns).map((pid) => `${pid} ${readComm(pid)}`);
}

/**
 * Kills every process in the lab's namespaces, by PID, then removes every
 * namespace and mount. Synchronous: it also runs from the 'exit' hook.
 * Returns the PIDs still alive two seconds after SIGKILL (none, normally).
 */
export function cleanup(lab: Lab): number[] {
  if (lab.cleaned) return [];
  lab.cleaned = true;
  live.delete(lab);
  const pids = lab.namespaces.flatMap(pidsIn);
  killAll(pids);
  const survivors = waitForExit(pids, 2_000);
  for (const file of lab.mountFiles) {
    execQuiet(['umount', file]);
    rmSync(file, { force: true });
  }
  for (const ns of [...lab.namespaces].reverse()) execQuiet(['ip', 'netns', 'delete', ns]);
  execQuiet(['umount', lab.runDir]);
  rmSync(lab.runDir, { recursive: true, force: true });
  rmSync(lab.workDir, { recursive: true, force: true });
  return survivors;
}

function waitForExit(pids: number[], ms: number): number[] {
  const deadline = Date.now() + ms;
  let alive = pids.filter(isRunning);
  while (alive.length > 0 && Date.now() < deadline) {
    // A synchronous sleep: the 'exit' hook cannot await.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
    alive = alive.filter(isRunning);
  }
  return alive;
}

/** Alive and not a zombie (a killed child of ours stays one until the event loop reaps it). */
function isRunning(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Namespaces of the lab that still exist (for asserting that cleanup left nothing). */
export function remainingNamespaces(prefix: string): string[] {
  return listNamespaces().filter((ns) => ns.startsWith(`${prefix}-`));
}

async function addNamespace(lab: Lab, suffix: string): Promise<string> {
  const ns = `${lab.prefix}-${suffix}`;
  lab.namespaces.push(ns);
  await exec(['ip', 'netns', 'add', ns]);
  await ip(ns, 'link', 'set', 'lo', 'up');
  return ns;
}

/**
 * wireguard-go keeps its control socket in /run/wireguard, which is not per
 * network namespace: each gateway gets a private one. The namespace persists
 * as a bind-mounted file so up.sh, wg show and down.sh all enter the same one.
 */
async function addMountNamespace(lab: Lab, ns: string, privateRoot?: string): Promise<string> {
  const file = join(lab.runDir, `${ns}.mnt`);
  writeFileSync(file, '');
  lab.mountFiles.push(file);
  const setup =
    privateRoot === undefined ? 'mount -t tmpfs -o mode=0700 p2pe /run/wireguard && umount -l /sys && mount -t sysfs sysfs /sys' : privateMounts(privateRoot);
  await exec(['nsenter', `--net=/run/netns/${ns}`, '--', 'unshare', `--mount=${file}`, '--propagation', 'private', '--', 'sh', '-c', setup]);
  return file;
}

/** The mounts of a gateway of its own; /tmp last, since its source lies under the host's /tmp. */
function privateMounts(root: string): string {
  for (const dir of ['etc-p2pvpn', 'root', 'tmp']) mkdirSync(join(root, dir), { recursive: true, mode: 0o700 });
  // The mount point must exist on the host; an empty folder is all this leaves there.
  mkdirSync('/etc/p2pvpn', { recursive: true, mode: 0o700 });
  return [
    `mount --bind ${join(root, 'etc-p2pvpn')} /etc/p2pvpn`,
    `mount --bind ${join(root, 'root')} /root`,
    'mount -t tmpfs -o mode=0755 p2pe /run',
    'mkdir -m 0700 /run/wireguard /run/sshd',
    `mount --bind ${join(root, 'tmp')} /tmp`,
    'chmod 1777 /tmp',
    'umount -l /sys',
    'mount -t sysfs sysfs /sys',
  ].join(' && ');
}

function listNamespaces(): string[] {
  return existsSync('/run/netns') ? readdirSync('/run/netns') : [];
}

export function pidsIn(ns: string): number[] {
  const r = execQuiet(['ip', 'netns', 'pids', ns]);
  return r.stdout
    .split('\n')
    .filter(Boolean)
    .map(Number)
    .filter((pid) => pid !== process.pid)
    .sort((a, b) => a - b);
}

function readComm(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '(exited)';
  }
}

function killAll(pids: number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Namespaces and mounts of runs whose process is gone (killed with SIGKILL, say). */
function sweepLeftovers(): void {
  const dead = (name: string): boolean => {
    const m = NAME_PATTERN.exec(`${name}-`);
    return m !== null && Number(m[1]) !== process.pid && !isAlive(Number(m[1]));
  };
  const staleNs = listNamespaces().filter(dead);
  for (const ns of staleNs) killAll(pidsIn(ns));
  for (const dir of readdirSync(RUN_ROOT).filter(dead)) {
    const path = join(RUN_ROOT, dir);
    for (const file of readdirSync(path)) execQuiet(['umount', join(path, file)]);
    execQuiet(['umount', path]);
    rmSync(path, { recursive: true, force: true });
  }
  for (const ns of staleNs) execQuiet(['ip', 'netns', 'delete', ns]);
  for (const dir of readdirSync(tmpdir()).filter(dead)) rmSync(join(tmpdir(), dir), { recursive: true, force: true });
}

let hooksInstalled = false;

function installExitHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  const cleanAll = (): void => {
    for (const lab of [...live]) cleanup(lab);
  };
  process.on('exit', cleanAll);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      cleanAll();
      process.exit(130);
    });
  }
}
