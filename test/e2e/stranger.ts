import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { exec, pollUntil } from './exec.js';
import { dropCounts, firewallSh } from './firewall.js';
import type { Installed } from './mesh.js';
import { execIn, execInGateway, ip, type Lab, natRouterOf } from './netns.js';

/** The stranger's address on the underlay: in the WAN segment of every gateway that sits on it. */
export const STRANGER = '198.51.100.66';
/** The port the gateway forwards to a LAN host (its own DNAT, set up by the host, not by p2pvpn). */
const FORWARDED_PORT = 8080;

export interface Target {
  end: Installed;
  flavour: string;
  /** Where the stranger sends packets for the LAN: the gateway's WAN address, or its NAT router's public one. */
  via: string;
}

/** One of the gateway's tunnel addresses, from its bundle (the WireGuard file holds a key: only its Address line is read). */
export function tunnelAddressOf(end: Installed, backend: string, mesh: string, peer: string): string {
  const file = backend === 'wireguard' ? join(end.bundle, 'wireguard', `wg-${mesh}.conf`) : join(end.bundle, 'openvpn', `${peer}.conf`);
  const m = (backend === 'wireguard' ? /^Address = ([\d.]+)\/32$/m : /^ifconfig ([\d.]+) /m).exec(readFileSync(file, 'utf8'));
  if (!m) throw new Error(`no tunnel address in ${file}`);
  return m[1]!;
}

/** Routes the target's LAN and tunnel address via its WAN side, as a WAN neighbour (or the ISP's router in front of it) could. */
async function routeThroughWan(lab: Lab, stranger: string, target: Target, destinations: string[]): Promise<() => Promise<void>> {
  const undo: (() => Promise<unknown>)[] = [];
  const nat = target.via !== target.end.site.gateway.wanAddress ? natRouterOf(lab, target.end.site.gateway) : undefined;
  for (const dest of destinations) {
    await ip(stranger, 'route', 'add', dest, 'via', target.via);
    undo.push(() => ip(stranger, 'route', 'del', dest, 'via', target.via));
    if (nat !== undefined) {
      await ip(nat, 'route', 'add', dest, 'via', target.end.site.gateway.wanAddress);
      undo.push(() => ip(nat, 'route', 'del', dest, 'via', target.end.site.gateway.wanAddress));
    }
  }
  return async () => {
    for (const step of undo.reverse()) await step();
  };
}

/** Three pings, all answered (ping exits 0 only then, given both a count and a deadline). */
async function answered(ns: string, to: string): Promise<boolean> {
  return (await execIn(ns, ['ping', '-n', '-q', '-c', '3', '-i', '0.2', '-w', '3', to], { allowFail: true })).code === 0;
}

/** Three pings of which none is answered. */
async function unanswered(ns: string, to: string): Promise<boolean> {
  return (await execIn(ns, ['ping', '-n', '-q', '-c', '3', '-i', '0.2', '-W', '1', to], { allowFail: true })).code !== 0;
}

/**
 * A stranger on the WAN segment that routes the target's LAN and tunnel address via
 * its WAN side: without the firewall it gets answers from both; with it, nothing, and
 * the firewall counts the drops. What the host itself set up keeps working: a LAN
 * host's connection to the stranger through the host's own masquerade, and a port
 * the host forwards (DNAT) to a LAN host.
 */
export async function assertStrangerShutOut(lab: Lab, meshName: string, stranger: string, target: Target, tunnelAddress: string): Promise<void> {
  const { end, flavour } = target;
  const host = end.site.hosts[0]!;
  const unroute = await routeThroughWan(lab, stranger, target, [...end.site.spec.subnets, `${tunnelAddress}/32`]);
  try {
    await firewallSh(end, 'unload');
    assert.ok(await answered(stranger, host.address), `without the firewall the stranger reaches ${host.address} in ${end.site.spec.name}'s LAN`);
    assert.ok(await answered(stranger, tunnelAddress), `without the firewall the stranger gets answers from ${end.site.spec.name}'s tunnel address`);
    await firewallSh(end, 'load', flavour);

    const before = await dropCounts(end, meshName, flavour);
    assert.ok(await unanswered(stranger, host.address), `the stranger gets nothing from ${host.address}`);
    assert.ok(await unanswered(stranger, tunnelAddress), `the stranger gets nothing from the tunnel address ${tunnelAddress}`);
    const after = await dropCounts(end, meshName, flavour);
    assert.ok(after.wanToLan - before.wanToLan >= 3, `the firewall counted the pings into the LAN: ${JSON.stringify({ before, after })}`);
    assert.ok(after.tunnelAddress - before.tunnelAddress >= 3, `the firewall counted the pings for the tunnel address: ${JSON.stringify({ before, after })}`);

    await assertHostNatWorks(stranger, target);
    assert.deepEqual(await dropCounts(end, meshName, flavour), after, 'replies and port forwards are not counted as drops');
  } finally {
    await unroute();
  }
}

/** The gateway as the LAN's NAT router, with a port forward of its own: both are the host's, in a table of the test's. */
async function assertHostNatWorks(stranger: string, target: Target): Promise<void> {
  const gateway = target.end.site.gateway;
  const host = target.end.site.hosts[0]!;
  const rules = `table ip p2pe_host_nat {
  chain pre { type nat hook prerouting priority dstnat; iifname "wan" tcp dport ${FORWARDED_PORT} dnat to ${host.address}:80; }
  chain post { type nat hook postrouting priority srcnat; oifname "wan" ip saddr { ${target.end.site.spec.subnets.join(', ')} } masquerade; }
}\n`;
  await execInGateway(gateway, ['sh', '-c', `printf '%s' '${rules}' | nft -f -`]);
  const server = spawn(
    'ip',
    ['netns', 'exec', host.ns, process.execPath, '-e', "require('net').createServer((s) => s.end('p2pvpn\\n')).listen(80, () => console.log('listening'))"],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  try {
    let heard = '';
    server.stdout.setEncoding('utf8').on('data', (chunk: string) => (heard += chunk));
    await pollUntil('the LAN host to listen', 10_000, async () => (heard.includes('listening') ? true : undefined), 50);
    assert.ok(await answered(host.ns, STRANGER), `${host.address} reaches the stranger through the host's own masquerade`);
    const client = [
      `const s = require('net').connect(${FORWARDED_PORT}, '${target.via}'); let got = '';`,
      "s.on('data', (d) => (got += d)); s.on('end', () => { process.stdout.write(got); process.exit(0); });",
      "s.on('error', () => process.exit(1)); setTimeout(() => process.exit(2), 3000);",
    ].join(' ');
    const r = await exec(['ip', 'netns', 'exec', stranger, process.execPath, '-e', client], { allowFail: true });
    assert.equal(r.stdout, 'p2pvpn\n', `the port the host forwards to ${host.address} answers the stranger (exit ${r.code})`);
  } finally {
    server.kill('SIGKILL');
    await execInGateway(gateway, ['nft', 'delete', 'table', 'ip', 'p2pe_host_nat']);
  }
}
