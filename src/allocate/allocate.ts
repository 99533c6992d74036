import { allGateways } from '../model/gateways.js';
import type { LansConfig } from '../model/schema.js';
import type { LanRecord, PairRecord, PublicState } from '../state/types.js';
import { type Renamed, renameGateways } from './renames.js';

/** What changed in the numbering, for the plan and for retiring secrets. */
export interface AllocationChanges {
  /** Gateways (by id: a LAN's name, or <lan>-<gateway>) added and removed. */
  addedLans: string[];
  removedLans: string[];
  addedPairs: PairRecord[];
  removedPairs: PairRecord[];
  /** Gateways whose record moved to a new id when their LAN went from one gateway to several, or back. */
  renamed: Renamed[];
}

/**
 * Gives every gateway and every link between gateways of two LANs a number
 * that never changes while both exist. New gateways are numbered in file
 * order after all numbers ever used; removed ones' numbers are retired, never
 * handed out again. A LAN's only gateway is recorded under the LAN's name,
 * each of several under <lan>-<gateway>.
 */
export function allocate(config: LansConfig, prevState: PublicState): { state: PublicState; changes: AllocationChanges } {
  const gateways = allGateways(config);
  const lanOf = new Map(gateways.map((g) => [g.id, g.lan.name]));
  const { state: prev, renamed } = renameGateways(config, prevState);
  const state: PublicState = { ...prev, lans: {}, retired: { ...prev.retired }, pairs: [] };
  const changes: AllocationChanges = { addedLans: [], removedLans: [], addedPairs: [], removedPairs: [], renamed };

  for (const [name, record] of Object.entries(prev.lans)) {
    if (lanOf.has(name)) state.lans[name] = record;
    else {
      state.retired[name] = { number: record.number, ...(record.certificate ? { serial: record.certificate.serial } : {}) };
      changes.removedLans.push(name);
    }
  }
  for (const g of gateways) {
    if (state.lans[g.id]) continue;
    const record: LanRecord = { number: state.nextLan++, ...(g.name === undefined ? {} : { lan: g.lan.name }) };
    state.lans[g.id] = record;
    delete state.retired[g.id];
    changes.addedLans.push(g.id);
  }

  const ordered = Object.entries(state.lans)
    .sort((a, b) => a[1].number - b[1].number)
    .map(([name]) => name);
  const key = pairIds(ordered, prev.pairs);
  const existing = new Map(prev.pairs.map((p) => [key(p.lans[0], p.lans[1]), p]));
  for (let i = 0; i < ordered.length; i++) {
    for (let j = i + 1; j < ordered.length; j++) {
      // Gateways of one LAN stand side by side on its LAN: no tunnel between them.
      if (lanOf.get(ordered[i]!) === lanOf.get(ordered[j]!)) continue;
      const id = key(ordered[i]!, ordered[j]!);
      const kept = existing.get(id);
      if (kept) {
        state.pairs.push(kept);
        existing.delete(id);
      } else {
        const pair: PairRecord = { number: state.nextPair++, lans: [ordered[i]!, ordered[j]!] };
        state.pairs.push(pair);
        changes.addedPairs.push(pair);
      }
    }
  }
  changes.removedPairs.push(...existing.values());
  state.pairs.sort((a, b) => a.number - b.number);
  return { state, changes };
}

/**
 * One number per unordered pair of the LANs named here, as pairKey gives one
 * string: a 200-LAN mesh looks up 19,900 pairs, and small integer keys spare
 * building and hashing a string for each.
 */
function pairIds(names: readonly string[], pairs: readonly PairRecord[]): (a: string, b: string) => number {
  const index = new Map<string, number>();
  const add = (name: string): void => {
    if (!index.has(name)) index.set(name, index.size);
  };
  names.forEach(add);
  for (const pair of pairs) {
    add(pair.lans[0]);
    add(pair.lans[1]);
  }
  const size = index.size;
  return (a, b) => {
    const x = index.get(a)!;
    const y = index.get(b)!;
    return x < y ? x * size + y : y * size + x;
  };
}
