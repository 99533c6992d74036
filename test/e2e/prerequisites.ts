import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';

const COMMON_TOOLS = ['ip', 'nsenter', 'unshare', 'mount', 'ping', 'tar', 'sh', 'sysctl', 'nft'];
const BACKEND_TOOLS: Record<string, string[]> = { openvpn: ['openvpn'], wireguard: ['wireguard-go', 'wg-quick', 'wg'] };

/** BIRD and keepalived, for the suites with routing: bgp. */
export const ROUTING_TOOLS = ['bird', 'birdc', 'keepalived'];

/** Why the end-to-end tests cannot run here, or undefined when they can. */
export function missingPrerequisite(backend: 'openvpn' | 'wireguard', extra: string[] = []): string | undefined {
  if (process.getuid?.() !== 0) return 'not running as root (network namespaces need it)';
  if (!existsSync('/dev/net/tun')) return 'no /dev/net/tun';
  const missing = [...COMMON_TOOLS, ...BACKEND_TOOLS[backend]!, ...extra].filter((tool) => !onPath(tool));
  if (missing.length > 0) {
    const packages = `openvpn wireguard-tools wireguard-go iproute2 iputils-ping util-linux procps nftables${extra.length > 0 ? ' bird2 keepalived' : ''}`;
    return `missing ${missing.join(', ')} (install: ${packages})`;
  }
  if (spawnSync('unshare', ['--net', '--mount', 'true']).status !== 0) return 'cannot create network namespaces here';
  return undefined;
}

/** The node:test `skip` option: the reason, unless P2PVPN_E2E=required turns a skip into a failure. */
export function skipUnlessRequired(reason: string | undefined): string | false {
  return reason !== undefined && process.env['P2PVPN_E2E'] !== 'required' ? `end-to-end test skipped: ${reason}` : false;
}

function onPath(tool: string): boolean {
  const dirs = [...(process.env['PATH'] ?? '').split(delimiter), '/usr/sbin', '/sbin'];
  return dirs.some((dir) => {
    try {
      accessSync(join(dir, tool), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}
