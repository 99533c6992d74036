import type { LansConfig } from '../validate/schema.js';
import { pairKey, type PairRecord, type PublicState } from '../state/types.js';

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

  const existing = new Map(prev.pairs.map((p) => [pairKey(...p.lans), p]));
  const ordered = Object.entries(state.lans).sort((a, b) => a[1].number - b[1].number).map(([name]) => name);
  for (let i = 0; i < ordered.length; i++) {
    for (let j = i + 1; j < ordered.length; j++) {
      const key = pairKey(ordered[i]!, ordered[j]!);
      const kept = existing.get(key);
      if (kept) {
        state.pairs.push(kept);
        existing.delete(key);
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
