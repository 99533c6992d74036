import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pollUntil } from './exec.js';
import type { Installed } from './mesh.js';
import { execIn, execInGateway, type Gateway } from './netns.js';

/** The test's own nftables table: it only counts, and is never part of a bundle's rules. */
const WATCH = 'p2pe_watch';

type Where = { gateway: Gateway } | { host: string };

function runIn(where: Where, argv: string[]) {
  return 'gateway' in where ? execInGateway(where.gateway, argv) : execIn(where.host, argv);
}

export interface Watch {
  count(): Promise<number>;
  remove(): Promise<void>;
}

/** Counts the packets matching `match` (nft words) at `hook` in a namespace. */
export async function watchPackets(where: Where, hook: 'input' | 'postrouting', match: string[]): Promise<Watch> {
  await runIn(where, ['nft', 'add', 'table', 'ip', WATCH]);
  await runIn(where, ['nft', 'add', 'chain', 'ip', WATCH, hook, `{ type filter hook ${hook} priority 100 ; policy accept ; }`]);
  await runIn(where, ['nft', 'add', 'rule', 'ip', WATCH, hook, ...match, 'counter']);
  return {
    async count() {
      const { stdout } = await runIn(where, ['nft', 'list', 'chain', 'ip', WATCH, hook]);
      const m = /counter packets (\d+)/.exec(stdout);
      if (!m) throw new Error(`no counter in ${WATCH}/${hook}`);
      return Number(m[1]);
    },
    async remove() {
      await runIn(where, ['nft', 'delete', 'table', 'ip', WATCH]);
    },
  };
}

/** Runs the bundle's own firewall.sh in its gateway. */
export async function firewallSh(end: Installed, ...args: string[]): Promise<void> {
  await execInGateway(end.site.gateway, [join(end.bundle, 'firewall/firewall.sh'), ...args]);
}

/** Which of the mesh's firewalls a gateway runs: its nftables table, its iptables chains, or none. */
export async function loadedFirewall(end: Installed, mesh: string): Promise<string[]> {
  const gateway = end.site.gateway;
  const loaded: string[] = [];
  if ((await execInGateway(gateway, ['nft', 'list', 'table', 'inet', `p2pvpn_${mesh.replaceAll('-', '_')}`], { allowFail: true })).code === 0)
    loaded.push('nftables');
  if ((await execInGateway(gateway, ['iptables', '-w', '-n', '-L', `P2PVPN-${mesh.toUpperCase()}-IN`], { allowFail: true })).code === 0)
    loaded.push('iptables');
  return loaded;
}

/**
 * Takes down self's tunnel to peer the way a failure would: OpenVPN's process
 * dies (its device and routes go with it); WireGuard's routes to the peer go.
 * up.sh brings either back.
 */
export async function breakTunnel(backend: 'openvpn' | 'wireguard', mesh: string, self: Installed, peer: Installed): Promise<void> {
  const gateway = self.site.gateway;
  if (backend === 'wireguard') {
    for (const cidr of peer.site.spec.subnets) await execInGateway(gateway, ['ip', 'route', 'del', cidr, 'dev', `wg-${mesh}`]);
    return;
  }
  const pid = readFileSync(join(self.bundle, 'run', `${peer.site.spec.name}.pid`), 'utf8').trim();
  await execInGateway(gateway, ['kill', pid]);
  await pollUntil(`openvpn ${pid} to exit`, 10_000, async () =>
    (await execInGateway(gateway, ['ip', 'link', 'show', `vpn-${peer.site.spec.name}`], { allowFail: true })).code !== 0 ? true : undefined,
  );
}

const WAN_TO_LAN = 'new connection from the WAN into the LAN';
const TUNNEL_ADDRESS = 'tunnel address from outside';

/** Packets the gateway's firewall dropped as new connections from the WAN into the LAN, and as packets for a tunnel address from outside. */
export async function dropCounts(end: Installed, mesh: string, flavour: string): Promise<{ wanToLan: number; tunnelAddress: number }> {
  const gateway = end.site.gateway;
  if (flavour === 'nftables') {
    const { stdout } = await execInGateway(gateway, ['nft', 'list', 'table', 'inet', `p2pvpn_${mesh.replaceAll('-', '_')}`]);
    const sum = (comment: string) =>
      [...stdout.matchAll(new RegExp(`counter packets (\\d+) bytes \\d+ drop comment "${comment}"`, 'g'))].reduce((n, m) => n + Number(m[1]), 0);
    return { wanToLan: sum(WAN_TO_LAN), tunnelAddress: sum(TUNNEL_ADDRESS) };
  }
  const dropped = async (chain: string, comment: string) => {
    const { stdout } = await execInGateway(gateway, ['iptables', '-w', '-n', '-v', '-x', '-L', `P2PVPN-${mesh.toUpperCase()}-${chain}`]);
    const line = stdout.split('\n').find((l) => l.includes(`/* ${comment} */`) && / DROP /.test(l));
    if (!line) throw new Error(`no DROP rule "${comment}" in chain ${chain}`);
    return Number(line.trim().split(/\s+/)[0]);
  };
  return { wanToLan: await dropped('WAN', WAN_TO_LAN), tunnelAddress: await dropped('TADDR', TUNNEL_ADDRESS) };
}

/** A host firewall of the gateway's own, there before p2pvpn: an `inet filter` table, and iptables rules in INPUT only. */
const HOST_NFT = 'table inet filter {\n  chain input {\n    type filter hook input priority filter; policy accept;\n    tcp dport 22 accept\n  }\n}\n';
const HOST_IPTABLES = '*filter\n-A INPUT -p tcp --dport 22 -j ACCEPT\nCOMMIT\n';

export async function addHostFirewall(gateway: Gateway): Promise<void> {
  await execInGateway(gateway, ['sh', '-c', `printf '%s' '${HOST_NFT}' | nft -f - && printf '%s' '${HOST_IPTABLES}' | iptables-restore -w --noflush`]);
}

/** Takes the host firewall away again (the mesh is down): the gateway is an empty host after it. */
export async function removeHostFirewall(gateway: Gateway): Promise<void> {
  await execInGateway(gateway, ['nft', 'delete', 'table', 'inet', 'filter']);
  await execInGateway(gateway, ['nft', 'delete', 'table', 'ip', 'filter']);
}
