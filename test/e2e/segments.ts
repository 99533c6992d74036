import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN } from '../support/cli.js';
import { exec, pollUntil } from './exec.js';
import type { Installed } from './mesh.js';
import { execIn, execInGateway, type Gateway, ip } from './netns.js';

/** The segment of the fixtures: its name, VNI and the subnet its hosts share, which no LAN has and nothing routes. */
export const SEGMENT = { name: 'lab', vni: 4242, device: 'vx-lab', subnet: '10.250.0.0/24', broadcast: '10.250.0.255' };
/** VXLAN's port, written here rather than imported: a wrong constant in the code must fail the test. */
export const VXLAN_PORT = 4789;
/** IPv4 20 + UDP 8 + VXLAN 8 + the inner Ethernet header 14, written out for the same reason. */
export const VXLAN_BYTES = 50;

/** A link of the mesh as `p2pvpn show --json` prints it: both ends and each end's tunnel address. */
export interface ShownLink {
  ends: [string, string];
  tunnelAddresses: [string, string];
}

/** The mesh's links, from the real CLI reading the state generate wrote. */
export async function shownLinks(fixture: string, stateDir: string): Promise<ShownLink[]> {
  const { stdout } = await exec([process.execPath, BIN, 'show', fixture, '--state', stateDir, '--json', '--quiet']);
  return (JSON.parse(stdout) as { links: ShownLink[] }).links;
}

/** `peer`'s tunnel address on its link to `self`: where self's flood entry for peer must point. */
export function addressOn(links: ShownLink[], self: string, peer: string): string {
  const link = links.find((l) => l.ends.includes(self) && l.ends.includes(peer));
  if (!link) throw new Error(`no link between ${self} and ${peer}`);
  return link.tunnelAddresses[link.ends.indexOf(peer)]!;
}

/**
 * What the kernel says of the segment's VXLAN device on a gateway (`ip -d link show`: its ifindex,
 * MTU, bridge, MAC and VXLAN settings, less the bridge port's line, whose timers run), or undefined when it has none.
 */
export async function vxlanDevice(gateway: Gateway): Promise<string | undefined> {
  const r = await execInGateway(gateway, ['ip', '-d', 'link', 'show', 'dev', SEGMENT.device], { allowFail: true });
  if (r.code !== 0) return undefined;
  return r.stdout
    .split('\n')
    .filter((l) => !l.trimStart().startsWith('bridge_slave '))
    .join('\n');
}

/** The flood entries (all-zero MAC) of the segment's device, sorted. */
export async function floodEntries(gateway: Gateway): Promise<string[]> {
  const { stdout } = await execInGateway(gateway, ['bridge', 'fdb', 'show', 'dev', SEGMENT.device]);
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('00:00:00:00:00:00 dst '))
    .map((l) => l.split(' ')[2]!)
    .sort();
}

/** What up.sh recorded of the segment's bridge: "<bridge> made|down|found". */
export function bridgeRecord(end: Installed): string {
  return readFileSync(join(end.bundle, 'run', 'segments', `${SEGMENT.name}.bridge`), 'utf8').trim();
}

/** MAC address of an interface. */
export async function macOf(run: (argv: string[]) => Promise<{ stdout: string }>, dev: string): Promise<string> {
  const { stdout } = await run(['ip', '-o', 'link', 'show', 'dev', dev]);
  const m = /link\/ether ([0-9a-f:]{17})/.exec(stdout);
  if (!m) throw new Error(`no MAC address for ${dev}: ${stdout}`);
  return m[1]!;
}

/**
 * `from` pings `to` on the segment: `count` pings (3), all answered within 4 s, each a packet of
 * `size` bytes with DF when given. With `lost`, one ping given one second, for what must not cross.
 */
export async function pingOnSegment(from: string, to: string, opts: { size?: number; count?: number; lost?: boolean } = {}): Promise<boolean> {
  const size = opts.size === undefined ? [] : ['-M', 'do', '-s', String(opts.size - 28)];
  const timing = opts.lost ? ['-c', '1', '-w', '1'] : ['-c', String(opts.count ?? 3), '-i', '0.2', '-w', '4'];
  const r = await execIn(from, ['ping', '-n', '-q', ...size, ...timing, to], { allowFail: true });
  return r.code === 0;
}

/**
 * Broadcast pings from a host onto the segment for one second; returns how many were sent. No host
 * answers them (icmp_echo_ignore_broadcasts), so they are counted where they arrive.
 */
export async function broadcastOnSegment(from: string): Promise<number> {
  const r = await execIn(from, ['ping', '-n', '-q', '-b', '-i', '0.2', '-w', '1', SEGMENT.broadcast], { allowFail: true });
  const sent = /(\d+) packets transmitted/.exec(r.stdout);
  if (!sent) throw new Error(`ping printed no statistics: ${r.stdout}${r.stderr}`);
  return Number(sent[1]);
}

/** Polls until `from` reaches `to` across the segment (tunnels that have just come up, a device just brought back). */
export async function waitSegmentUp(from: string, to: string, timeoutMs = 20_000): Promise<void> {
  await pollUntil(`${to} to answer across the segment`, timeoutMs, async () => ((await pingOnSegment(from, to, { count: 1 })) ? true : undefined), 200);
}

/** The test's own tables: they count what would show that the segment reached a namespace, before any other rule. */
const WATCH = 'p2pe_seg';

export interface SegmentWatch {
  /** Every counter by its name: VXLAN packets, the segment's addresses in IP headers and in ARP. */
  counts(): Promise<Record<string, number>>;
  remove(): Promise<void>;
}

/** Counts, on every interface of a namespace, VXLAN (any address), the segment's subnet as IP source or destination, and ARP for it. */
export async function watchSegment(run: (argv: string[]) => Promise<unknown>): Promise<SegmentWatch> {
  const script = [
    `table ip ${WATCH} {`,
    '  chain prerouting {',
    '    type filter hook prerouting priority -400; policy accept;',
    `    udp dport ${VXLAN_PORT} counter comment "vxlan"`,
    `    ip saddr ${SEGMENT.subnet} counter comment "ip from the segment"`,
    `    ip daddr ${SEGMENT.subnet} counter comment "ip to the segment"`,
    '  }',
    '}',
    `table arp ${WATCH} {`,
    '  chain input {',
    '    type filter hook input priority 0; policy accept;',
    `    arp saddr ip ${SEGMENT.subnet} counter comment "arp from the segment"`,
    `    arp daddr ip ${SEGMENT.subnet} counter comment "arp for the segment"`,
    '  }',
    '}',
  ].join('\n');
  await run(['sh', '-c', `printf '%s\\n' '${script}' | nft -f -`]);
  return {
    async counts() {
      const ipTable = (await run(['nft', 'list', 'table', 'ip', WATCH])) as { stdout: string };
      const arpTable = (await run(['nft', 'list', 'table', 'arp', WATCH])) as { stdout: string };
      const stdout = ipTable.stdout + arpTable.stdout;
      const counts: Record<string, number> = {};
      for (const m of stdout.matchAll(/counter packets (\d+) bytes \d+ comment "([^"]+)"/g)) counts[m[2]!] = Number(m[1]);
      if (Object.keys(counts).length !== 5) throw new Error(`expected 5 counters in ${WATCH}:\n${stdout}`);
      return counts;
    },
    async remove() {
      await run(['nft', 'delete', 'table', 'ip', WATCH]);
      await run(['nft', 'delete', 'table', 'arp', WATCH]);
    },
  };
}

/** Counts the ARP requests a host receives from `source`. */
export async function watchArpFrom(ns: string, source: string): Promise<{ count(): Promise<number>; remove(): Promise<void> }> {
  await execIn(ns, ['nft', 'add', 'table', 'arp', WATCH]);
  await execIn(ns, ['nft', 'add', 'chain', 'arp', WATCH, 'input', '{ type filter hook input priority 0 ; policy accept ; }']);
  await execIn(ns, ['nft', 'add', 'rule', 'arp', WATCH, 'input', 'arp', 'saddr', 'ip', source, 'counter']);
  return {
    async count() {
      const { stdout } = await execIn(ns, ['nft', 'list', 'table', 'arp', WATCH]);
      return Number(/counter packets (\d+)/.exec(stdout)![1]);
    },
    async remove() {
      await execIn(ns, ['nft', 'delete', 'table', 'arp', WATCH]);
    },
  };
}

/**
 * A machine on the WAN that speaks VXLAN with the segment's VNI straight to the members' WAN
 * addresses, from `address` on the segment's subnet: what a failed (or skipped) encryption
 * layer would let in. Returns a function that sends three ARP requests onto the segment.
 */
export async function vxlanFromWan(ns: string, local: string, targets: string[], address: string): Promise<() => Promise<void>> {
  await ip(ns, 'link', 'add', 'name', 'vx-wan', 'type', 'vxlan', 'id', String(SEGMENT.vni), 'local', local, 'dstport', String(VXLAN_PORT), 'nolearning');
  for (const target of targets) await execIn(ns, ['bridge', 'fdb', 'append', '00:00:00:00:00:00', 'dev', 'vx-wan', 'dst', target]);
  await ip(ns, 'addr', 'add', `${address}/24`, 'dev', 'vx-wan');
  await ip(ns, 'link', 'set', 'vx-wan', 'up');
  const victim = SEGMENT.broadcast.replace(/\d+$/, '200');
  return async () => {
    await ip(ns, 'neigh', 'flush', 'dev', 'vx-wan');
    await execIn(ns, ['ping', '-n', '-q', '-c', '2', '-i', '0.2', '-w', '1', victim], { allowFail: true });
  };
}

/** Packets the member's firewall dropped as VXLAN from outside the segments. */
export async function vxlanDrops(end: Installed, mesh: string, flavour: string): Promise<number> {
  const comment = 'VXLAN from outside the segments';
  if (flavour === 'nftables') {
    const { stdout } = await execInGateway(end.site.gateway, ['nft', 'list', 'table', 'inet', `p2pvpn_${mesh}`]);
    return Number(new RegExp(`counter packets (\\d+) bytes \\d+ drop comment "${comment}"`).exec(stdout)![1]);
  }
  const { stdout } = await execInGateway(end.site.gateway, ['iptables', '-w', '-n', '-v', '-x', '-L', `P2PVPN-${mesh.toUpperCase()}-IN`]);
  const line = stdout.split('\n').find((l) => l.includes(`/* ${comment} */`));
  if (!line) throw new Error(`no rule "${comment}" in ${stdout}`);
  return Number(line.trim().split(/\s+/)[0]);
}
