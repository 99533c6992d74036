import type { LansConfig } from '../model/schema.js';
import type { PairRecord, PublicState } from '../state/types.js';

/** What changed in the numbering, for the plan and for retiring secrets. */
export interface AllocationChanges {
  addedLans: string[];
  removedLans: string[];
  addedPairs: PairRecord[];
  removedPairs: PairRecord[];
}

/**
 * Gives every LAN and every pair of LANs a number that never changes while
 * both exist. New LANs are numbered in file order after all numbers ever
 * used; removed LANs' numbers are retired, never handed out again.
 */
export function allocate(config: LansConfig, prev: PublicState): { state: PublicState; changes: AllocationChanges } {
  const names = new Set(config.lans.map((l) => l.name));
  const state: PublicState = { ...prev, lans: {}, retired: { ...prev.retired }, pairs: [] };
  const changes: AllocationChanges = { addedLans: [], removedLans: [], addedPairs: [], removedPairs: [] };

  for (const [name, record] of Object.entries(prev.lans)) {
    if (names.has(name)) state.lans[name] = record;
    else {
      state.retired[name] = { number: record.number, ...(record.certificate ? { serial: record.certificate.serial } : {}) };
      changes.removedLans.push(name);
    }
  }
  for (const lan of config.lans) {
    if (state.lans[lan.name]) continue;
    state.lans[lan.name] = { number: state.nextLan++ };
    delete state.retired[lan.name];
    changes.addedLans.push(lan.name);
  }

  const ordered = Object.entries(state.lans)
    .sort((a, b) => a[1].number - b[1].number)
    .map(([name]) => name);
  const key = pairIds(ordered, prev.pairs);
  const existing = new Map(prev.pairs.map((p) => [key(p.lans[0], p.lans[1]), p]));
  for (let i = 0; i < ordered.length; i++) {
    for (let j = i + 1; j < ordered.length; j++) {
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
