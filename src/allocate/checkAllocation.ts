import { wireguardNameProblem } from '../model/names.js';
import { blockSize, parseBlock } from '../model/net.js';
import type { Report } from '../model/problems.js';
import type { LansConfig } from '../model/schema.js';
import { perLinkTransit, transitCapacity } from '../model/transit.js';
import type { PublicState } from '../state/types.js';

/** Checks that need the numbers: retired numbers stay used, so the highest number, not the count, must fit. */
export function checkAllocation(config: LansConfig, state: PublicState, report: Report): void {
  const highestPair = state.pairs.reduce((m, p) => Math.max(m, p.number), 0);
  const highestLan = Object.values(state.lans).reduce((m, l) => Math.max(m, l.number), 0);
  if (config.mesh.backend === 'openvpn') {
    const last = config.mesh.openvpn.portBase + highestPair;
    if (last > 65535)
      report(['mesh', 'openvpn', 'portBase'], `pair ${highestPair} would need port ${last}, above 65535; lower portBase to at most ${65535 - highestPair}`);
  }
  if (config.mesh.backend === 'wireguard' && config.mesh.routing === 'bgp') {
    const last = config.mesh.wireguard.port + highestPair;
    if (last > 65535)
      report(
        ['mesh', 'wireguard', 'port'],
        `under routing: bgp link ${highestPair} would need port ${last}, above 65535; lower mesh.wireguard.port to at most ${65535 - highestPair}`,
      );
    const name = wireguardNameProblem(config.mesh.name, highestPair);
    if (name) report(['mesh', 'name'], name);
  }
  if (config.mesh.backend === 'openvpn') checkTunnelPorts(config, state, report);
  const capacity = transitCapacity(config.mesh.backend, blockSize(parseBlock(config.mesh.transit)), config.mesh.openvpn.transitLayout, config.mesh.routing);
  const highest = perLinkTransit(config.mesh.backend, config.mesh.routing) ? highestPair : highestLan;
  if (highest > capacity.count) {
    report(
      ['mesh', 'transit'],
      `${config.mesh.transit} holds ${capacity.count} ${capacity.unit} but the mesh has used numbers up to ${highest}` +
        ' (retired numbers are never reused), choose a larger range',
    );
  }
}

/** Every OpenVPN tunnel of a gateway needs its own UDP port: pair numbers must not repeat for one LAN. */
function checkTunnelPorts(config: LansConfig, state: PublicState, report: Report): void {
  // Distinct pair numbers give distinct ports; only a state that repeats one needs the search for which LAN is hit.
  if (new Set(state.pairs.map((p) => p.number)).size === state.pairs.length) return;
  const used = new Map<string, Map<number, number>>();
  for (const pair of state.pairs) {
    const port = config.mesh.openvpn.portBase + pair.number;
    for (const lan of pair.lans) {
      const ports = used.get(lan) ?? new Map<number, number>();
      used.set(lan, ports);
      const other = ports.get(port);
      if (other !== undefined) {
        const index = config.lans.findIndex((l) => l.name === lan);
        report(
          index >= 0 ? ['lans', index, 'name'] : ['mesh', 'openvpn', 'portBase'],
          `two tunnels of ${lan} (links ${other} and ${pair.number}) would both listen on port ${port},` +
            ' the state numbers them alike; restore the state folder from a backup',
        );
      } else ports.set(port, pair.number);
    }
  }
}
