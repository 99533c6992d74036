import { segmentMtu, tunnelMtu, VXLAN_OVERHEAD } from '../../model/mtu.js';
import { OWN_INTERFACE_PREFIXES } from '../../model/names.js';
import type { Report } from '../../model/problems.js';
import type { Lan, LansConfig } from '../../model/schema.js';
import { declaredLanNames } from './lanRef.js';

/**
 * mesh.segments and gateway.bridges: unique names and VNIs, members that exist, each once, each
 * with a gateway of its own and a bridge for the segment; bridges only for segments the LAN is in,
 * one segment per bridge, none named like the bundle's own interfaces; a warning below 1280.
 */
export function checkSegments(config: LansConfig, report: Report): void {
  const names = new Map<string, number>();
  const vnis = new Map<number, number>();
  config.mesh.segments.forEach((segment, s) => {
    const path = ['mesh', 'segments', s];
    const first = names.get(segment.name);
    if (first === undefined) names.set(segment.name, s);
    else report([...path, 'name'], `"${segment.name}" is already the name of mesh.segments[${first}], each segment needs its own name`);
    const other = vnis.get(segment.vni);
    if (other === undefined) vnis.set(segment.vni, s);
    else {
      const taken = `mesh.segments[${other}] (${config.mesh.segments[other]!.name})`;
      report([...path, 'vni'], `VNI ${segment.vni} is already the VNI of ${taken}, each segment needs its own`);
    }
    checkMembers(config, s, report);
  });
  config.lans.forEach((lan, i) => {
    checkBridges(config, lan, i, report);
  });
  checkSegmentMtu(config, report);
}

/** Each member is a LAN of the file, listed once, with one gateway, which names a bridge for the segment. */
function checkMembers(config: LansConfig, s: number, report: Report): void {
  const segment = config.mesh.segments[s]!;
  const declared = declaredLanNames.get(config);
  const seen = new Set<string>();
  segment.lans.forEach((member, m) => {
    const path = ['mesh', 'segments', s, 'lans', m];
    if (seen.has(member)) {
      report(path, `${member} is already a member of segment ${segment.name}, list each LAN once`);
      return;
    }
    seen.add(member);
    const i = config.lans.findIndex((lan) => lan.name === member);
    const lan = config.lans[i];
    if (lan === undefined) {
      // A LAN that is in the file but failed the schema has its own error already.
      if (!declared?.has(member)) report(path, `no LAN is named ${member}; a segment's members are names of lans, like ${config.lans[0]?.name ?? 'hq'}`);
      return;
    }
    if (lan.gateways !== undefined) {
      report(
        path,
        `${member} has several gateways: each would bridge the segment onto the LAN, and two bridges (or two VRRP masters in a split) loop it,` +
          ' so segments join LANs with one gateway only; remove it from the segment',
      );
      return;
    }
    if (lan.gateway?.bridges?.[segment.name] === undefined)
      report(
        ['lans', i, 'gateway', ...(lan.gateway?.bridges === undefined ? [] : ['bridges'])],
        `${member} is a member of segment ${segment.name} (mesh.segments[${s}]) but names no bridge for it; add bridges: { ${segment.name}: <bridge> }`,
      );
  });
}

/** A gateway's bridges: each for a segment this LAN is in, no bridge twice, no name of the bundle's own interfaces. */
function checkBridges(config: LansConfig, lan: Lan, i: number, report: Report): void {
  const gateways =
    lan.gateways === undefined
      ? [{ path: ['lans', i, 'gateway'], bridges: lan.gateway?.bridges }]
      : lan.gateways.map((g, j) => ({ path: ['lans', i, 'gateways', j], bridges: g.bridges }));
  for (const { path, bridges } of gateways) {
    if (bridges === undefined) continue;
    if (lan.gateways !== undefined) {
      report([...path, 'bridges'], `${lan.name} has several gateways, and segments join LANs with one gateway only (see mesh.segments); remove bridges`);
      continue;
    }
    const used = new Map<string, string>();
    for (const [segment, bridge] of Object.entries(bridges)) {
      const at = [...path, 'bridges', segment];
      const declared = config.mesh.segments.find((s) => s.name === segment);
      if (declared === undefined) report(at, `no segment is named ${segment}; the keys of bridges are names of mesh.segments${segmentList(config)}`);
      else if (!declared.lans.includes(lan.name))
        report(at, `${lan.name} is not a member of segment ${segment}; add it to that segment's lans, or remove this bridge`);
      const prefix = OWN_INTERFACE_PREFIXES.find((p) => bridge.startsWith(p));
      if (prefix !== undefined)
        report(at, `${bridge} starts with "${prefix}", which p2pvpn's own interfaces do; name the bridge otherwise, like br-${segment}`);
      const twice = used.get(bridge);
      if (twice !== undefined)
        report(at, `${bridge} is already the bridge of segment ${twice}: one bridge would join both segments into one; give each its own`);
      used.set(bridge, segment);
    }
  }
}

function segmentList(config: LansConfig): string {
  const names = [...new Set(config.mesh.segments.map((s) => s.name))];
  return names.length === 0 ? ' (there are none)' : ` (${names.join(', ')})`;
}

/** A segment's frames, wrapped, fill the tunnel: hosts on it get 50 bytes less, and IPv6 needs 1280. One MTU for every segment, one warning. */
function checkSegmentMtu(config: LansConfig, report: Report): void {
  const mtu = segmentMtu(tunnelMtu(config.mesh.backend, config.mesh.underlayMtu));
  if (mtu >= 1280 || config.mesh.segments.length === 0) return;
  const what = `segments have an MTU of ${mtu} (the tunnel's less ${VXLAN_OVERHEAD} for VXLAN)`;
  report(['mesh', 'segments'], `${what}, below the 1280 IPv6 needs; raise mesh.underlayMtu if the path allows`, 'warning');
}
