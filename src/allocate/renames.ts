import { gatewayId } from '../model/gateways.js';
import type { Lan, LansConfig } from '../model/schema.js';
import type { LanRecord, PublicState } from '../state/types.js';

/** A gateway record that moved to another id; `serial`: its certificate, which named the old id and is revoked. */
export interface Renamed {
  from: string;
  to: string;
  serial?: number;
}

/**
 * A LAN that goes from one gateway to several keeps that gateway's number,
 * keys and links: its record moves from the LAN's name to the first gateway's
 * id, <lan>-<first>. Going back to one gateway, the lowest-numbered of its
 * gateways' records moves back to the LAN's name. A certificate names its id,
 * so it is dropped (and revoked): an OpenVPN gateway gets a new one.
 */
export function renameGateways(config: LansConfig, prev: PublicState): { state: PublicState; renamed: Renamed[] } {
  const renamed: Renamed[] = [];
  for (const lan of config.lans) {
    const move = movedRecord(lan, prev);
    if (move) renamed.push(move);
  }
  if (renamed.length === 0) return { state: prev, renamed };
  const to = new Map(renamed.map((r) => [r.from, r]));
  const lans: Record<string, LanRecord> = {};
  for (const [id, record] of Object.entries(prev.lans)) {
    const move = to.get(id);
    if (!move) lans[id] = record;
    else
      lans[move.to] = {
        number: record.number,
        ...(move.to === lanNameOf(move.to, config) ? {} : { lan: lanNameOf(move.to, config) }),
        ...(record.wgPublicKey ? { wgPublicKey: record.wgPublicKey } : {}),
      };
  }
  const end = (id: string): string => to.get(id)?.to ?? id;
  const pairs = prev.pairs.map((p) => (to.has(p.lans[0]) || to.has(p.lans[1]) ? { ...p, lans: [end(p.lans[0]), end(p.lans[1])] as [string, string] } : p));
  return { state: { ...prev, lans, pairs }, renamed };
}

function movedRecord(lan: Lan, prev: PublicState): Renamed | undefined {
  const withSerial = (from: string, to: string): Renamed => {
    const serial = prev.lans[from]!.certificate?.serial;
    return serial === undefined ? { from, to } : { from, to, serial };
  };
  if (lan.gateways !== undefined) {
    const first = gatewayId(lan.name, lan.gateways[0]!.name);
    const single = prev.lans[lan.name];
    return single && single.lan === undefined && !prev.lans[first] ? withSerial(lan.name, first) : undefined;
  }
  if (prev.lans[lan.name]) return undefined;
  const former = Object.entries(prev.lans)
    .filter(([, record]) => record.lan === lan.name)
    .sort((a, b) => a[1].number - b[1].number)[0];
  return former ? withSerial(former[0], lan.name) : undefined;
}

/** The LAN an id belongs to in lans.yaml: itself for a LAN's only gateway. */
function lanNameOf(id: string, config: LansConfig): string {
  for (const lan of config.lans) {
    if (lan.name === id) return id;
    if (lan.gateways?.some((g) => gatewayId(lan.name, g.name) === id)) return lan.name;
  }
  return id;
}
